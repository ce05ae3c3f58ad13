export { TlorcClient, RemoteRunHandle, runRemote, type ClientOptions, type RemoteRun, type RemoteSpec, type RunPage, type SubmitOptions, type FollowOptions } from './remote.js';
export { SseParser, type SseEvent } from './sse.js';
