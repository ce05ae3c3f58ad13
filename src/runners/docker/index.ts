/** The Docker runner (loaded only when asked for: it pulls in the engine client). */
export { DockerRunner, exitSignal, type DockerRunnerOptions } from './runner.js';
export { dockerDoctor, formatDockerDoctor, type DockerDoctorReport, type DockerDoctorOptions } from './doctor.js';
export { cleanupContainers, type CleanupOptions, type CleanupReport } from './cleanup.js';
export { defaultImage, resolveImage, connect, ensureEngine, ensureImage, probeGpus, NO_GPU_DRIVER_RE } from './engine.js';
export { buildContainerConfig, deviceRequests, parseSize, modelCaches, MANAGED_LABEL, RUN_ID_LABEL } from './config.js';
