import { MemoryInventoryStore } from '@vigil/inventory';
import { inventoryStoreContract } from './inventory-store.contract';

inventoryStoreContract('memory', async () => new MemoryInventoryStore());
