/** The remote SDK (a tlorc server behind the same run-handle shape); implemented in src/client. */
export { TlorcClient, RemoteRunHandle, runRemote, type ClientOptions, type RemoteRun, type RemoteSpec, type RunPage, type SubmitOptions } from '../client/index.js';
