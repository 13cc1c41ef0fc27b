import { Initial1795557842980 } from './1795557842980-Initial';
import { GuardStats1795561701238 } from './1795561701238-GuardStats';
import { SessionsThatEnd1796411437646 } from './1796411437646-SessionsThatEnd';
import { ProjectChanges1796411471631 } from './1796411471631-ProjectChanges';
import { SecurityChangeCursor1796420000000 } from './1796420000000-SecurityChangeCursor';
import { ApiKeys1796420100000 } from './1796420100000-ApiKeys';

/** Every migration, in order. Add new ones at the end. */
export const MIGRATIONS = [
  Initial1795557842980,
  GuardStats1795561701238,
  SessionsThatEnd1796411437646,
  ProjectChanges1796411471631,
  SecurityChangeCursor1796420000000,
  ApiKeys1796420100000,
];
