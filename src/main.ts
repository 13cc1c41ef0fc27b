import { createApp } from './app.setup';
import { validateEnv } from './config';

async function main(): Promise<void> {
  const config = validateEnv();
  const app = await createApp(config);
  app.enableShutdownHooks();
  await app.listen(config.port, '0.0.0.0');
}

main().catch((error: unknown) => {
  // Configuration errors are meant for a person: print the sentence, not a stack.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
