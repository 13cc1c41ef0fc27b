import { Initial1795557842980 } from './1795557842980-Initial';
import { GuardStats1795561701238 } from './1795561701238-GuardStats';

/** Every migration, in order. Add new ones at the end. */
export const MIGRATIONS = [Initial1795557842980, GuardStats1795561701238];
