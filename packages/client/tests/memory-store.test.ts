import { MemoryClientStore } from '@fulcrum/client';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('MemoryClientStore', async () => new MemoryClientStore());
