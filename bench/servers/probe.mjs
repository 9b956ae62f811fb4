// Preloaded (node --import) into every server under test: answers the bench's "stats" request over
// the IPC channel with the process's memory after a full GC. CPU time is read from /proc instead,
// so that a saturated server's busy event loop cannot delay it.
if (typeof process.send === 'function') {
  process.on('message', (message) => {
    if (message !== 'stats') return;
    if (typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    process.send({ memory: process.memoryUsage() });
  });
  // The IPC channel must not keep a server alive on its own, nor stop it from exiting.
  process.channel?.unref();
}
