/** A Dockerfile's stages by name (`FROM … AS name`), each with its lines (continuations kept). */
export function dockerStages(dockerfile: string): Map<string, string> {
  const stages = new Map<string, string>();
  let current: string | undefined;
  for (const line of dockerfile.split('\n')) {
    const from = /^FROM \S+ AS (\S+)$/.exec(line);
    if (from) current = from[1];
    if (current) stages.set(current, `${stages.get(current) ?? ''}${line}\n`);
  }
  return stages;
}

/** The arguments of the deps stage's `npm ci`, which the runtime-tree test installs with. */
export function productionInstallArgs(dockerfile: string): string[] {
  const run = /^RUN npm ci ([^&\n]+)/m.exec(dockerStages(dockerfile).get('deps') ?? '');
  if (!run) throw new Error('the Dockerfile has no deps stage running npm ci');
  return ['ci', ...run[1].trim().split(/\s+/)];
}
