// JoinedRooms behaves like a Map of room -> state whether it holds a few rooms (pairs in an array)
// or many (a Map), including across the switch from one to the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JoinedRooms } from '../../src/server/session/joined-rooms.js';

test('get, has, set, delete, names and size agree with a Map through 0..40 rooms and back', () => {
  const rooms = new JoinedRooms<{ n: number }>();
  const model = new Map<string, { n: number }>();
  const check = (): void => {
    assert.equal(rooms.size, model.size);
    assert.deepEqual(rooms.names().sort(), [...model.keys()].sort());
    for (const [name, state] of model) {
      assert.equal(rooms.get(name), state);
      assert.ok(rooms.has(name));
    }
    assert.equal(rooms.get('never'), undefined);
    assert.equal(rooms.has('never'), false);
  };
  for (let i = 0; i < 40; i++) {
    const state = { n: i };
    rooms.set(`room-${i}`, state);
    model.set(`room-${i}`, state);
    check();
  }
  const replaced = { n: -1 };
  rooms.set('room-3', replaced);
  model.set('room-3', replaced);
  check();
  for (let i = 0; i < 40; i += 3) {
    assert.equal(rooms.delete(`room-${i}`), true);
    model.delete(`room-${i}`);
    assert.equal(rooms.delete(`room-${i}`), false);
    check();
  }
  rooms.clear();
  model.clear();
  check();
});

test('a few rooms: delete in the middle keeps the others paired with their own state', () => {
  const rooms = new JoinedRooms<string>();
  rooms.set('a', 'state a');
  rooms.set('b', 'state b');
  rooms.set('c', 'state c');
  assert.equal(rooms.delete('b'), true);
  assert.equal(rooms.get('a'), 'state a');
  assert.equal(rooms.get('c'), 'state c');
  assert.equal(rooms.has('state a'), false, 'a state is not a room name');
  assert.deepEqual(rooms.names(), ['a', 'c']);
  rooms.set('state c', 'a room named like a state');
  assert.equal(rooms.has('state c'), true);
  assert.equal(rooms.get('state c'), 'a room named like a state');
});
