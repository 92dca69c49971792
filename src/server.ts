// Starts Ceping: load the configuration, build the app, listen, close gracefully on SIGINT/SIGTERM.
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { FormTemplateError } from './domain/forms.js';
import { KeyFileError } from './db/keys.js';
import { DatabaseOpenError } from './db/open.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await buildApp(config);
  let closing = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (closing) return;
      closing = true;
      app.log.info({ signal }, 'closing');
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  await app.listen({ port: config.port, host: config.host });
  app.log.info({ publicUrl: config.publicUrl, db: config.dbPath ?? 'postgresql', engine: app.dbEngine }, 'Ceping is ready');
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof FormTemplateError || err instanceof KeyFileError || err instanceof DatabaseOpenError) {
    console.error(`Ceping cannot start. ${err.message}`);
  } else {
    console.error('Ceping cannot start:', err);
  }
  process.exit(1);
});
