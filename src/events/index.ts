export * from './protocol.js';
export { parseLine } from './parse-line.js';
export { EventSequencer } from './sequencer.js';
export { EventChannel } from './channel.js';
export { readEventsFile } from './read-file.js';
