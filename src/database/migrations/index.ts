import { Initial1795557842980 } from './1795557842980-Initial';

/** Every migration, in order. Add new ones at the end. */
export const MIGRATIONS = [Initial1795557842980];
