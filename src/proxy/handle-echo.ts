// Helper process for listener-copies.ts: every handle it receives goes back to the sender,
// which gets it as a new descriptor of the same socket.
process.on('message', (message, handle) => {
  process.send?.(message, handle as never);
});
process.on('disconnect', () => process.exit(0));
