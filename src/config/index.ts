export { AppConfig } from './app-config';
export { ConfigModule } from './config.module';
export { validateEnv } from './validate-env';
