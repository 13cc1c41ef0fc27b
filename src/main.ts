import { createApp, startupBanner } from './app.setup';
import { validateEnv } from './config';

async function main(): Promise<void> {
  const config = validateEnv();
  const app = await createApp(config);
  app.enableShutdownHooks();
  // Fastify logs one line per address it listens on; the first says where to go.
  let announced = false;
  await app.listen({
    port: config.port,
    host: '0.0.0.0',
    listenTextResolver: (address) => {
      if (announced) return `Also listening at ${address}`;
      announced = true;
      return startupBanner(address);
    },
  });
}

main().catch((error: unknown) => {
  // Configuration errors are meant for a person: print the sentence, not a stack.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
