// The UserStore contract: every engine runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ada, describeContract, type ContractOptions, type MakeFixture } from './store-fixture.js';

export function runUserStoreContract(name: string, makeFixture: MakeFixture, options: ContractOptions = {}): void {
  describeContract(`UserStore contract: ${name}`, makeFixture, options, (scene) => {
    test('recordUser may be called again for the same user', async () => {
      const { store } = scene;
      await store.recordUser(ada, 'guest', 1_700_000_000_000);
      await store.recordUser({ id: ada.id, name: 'ada2' }, 'guest', 1_700_000_000_000);
    });

    test('findUser finds recorded users only', async () => {
      const { store } = scene;
      await store.recordUser(ada, 'guest', 1_700_000_000_000);
      assert.deepEqual(await store.findUser(ada.id), ada);
      assert.equal(await store.findUser('u_nobody'), undefined);
    });
  });
}
