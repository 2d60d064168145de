// The dedicated worker that runs the whole FulcrumClient (MLS, IndexedDB, network) off the page.
import { serveSessionInWorker, type WorkerScope } from '@fulcrum/client-browser';

serveSessionInWorker(self as unknown as WorkerScope);
