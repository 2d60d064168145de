export { AuthorityService } from './service.js';
export type { AuthorityLogger, DeliveryRecord } from './service.js';
export type { AuthorityOptions } from './options.js';
export {
  AUTHORITY_KINDS,
  AUTHORITY_TRANSPORTS,
  addDestination,
  disableDestination,
  getDestination,
  listDestinations,
} from './destinations.js';
export type { AuthorityDestination, AuthorityKind, AuthorityTransport, NewDestination } from './destinations.js';
export { enqueueAuthorityReports } from './enqueue.js';
export type { EnqueueInput, EnqueueResult } from './enqueue.js';
export type { ServerAuthorityErrorCode } from './errors.js';
