import { describeStoreContract } from '../tests/store-contract.js';
import { MemoryClientStore } from './memory-store.js';

describeStoreContract('MemoryClientStore', async () => new MemoryClientStore());
