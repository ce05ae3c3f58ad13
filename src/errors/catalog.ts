/**
 * The one catalog of tlorc errors. Every error a user can see has a stable code,
 * a hint that says what to do, a process exit code (CLI) and an HTTP status (API).
 * Codes are API: never rename one; add new ones instead. test/errors checks that
 * every code here is documented in docs/errors.md.
 */
export const EXIT = {
  ok: 0,
  /** tlorc itself broke (a bug): report it. */
  internal: 1,
  /** the spec, a flag or a file given on the command line is wrong. */
  invalidInput: 2,
  /** the spec was fine but the training run failed or was cancelled. */
  runFailed: 3,
  /** something tlorc needs (Python env, Docker engine, server) is not available. */
  environment: 4,
  /** the run was cancelled (SIGINT/SIGTERM or a cancel request). */
  cancelled: 130,
} as const;

export interface ErrorDef {
  readonly hint: string;
  readonly exit: number;
  readonly http: number;
}

const def = (exit: number, http: number, hint: string): ErrorDef => ({ exit, http, hint });

export const ERRORS = {
  // spec
  TLORC_SPEC_PARSE: def(EXIT.invalidInput, 400, 'Fix the YAML/JSON syntax at the reported line and column.'),
  TLORC_SPEC_INVALID: def(EXIT.invalidInput, 422, 'Fix the fields listed above; `tlorc schema` prints every allowed field.'),
  TLORC_SPEC_NOT_FOUND: def(EXIT.invalidInput, 400, 'Check the path to the spec file.'),
  TLORC_OVERRIDE_INVALID: def(EXIT.invalidInput, 400, 'Use --set path.to.field=value, e.g. --set optimizer.learning_rate=1e-4.'),
  // data and weights (checked before anything runs)
  TLORC_DATA_NOT_FOUND: def(EXIT.invalidInput, 422, 'Check data paths; relative paths are resolved against the spec file.'),
  TLORC_DATA_EMPTY_CLASS: def(EXIT.invalidInput, 422, 'Every class folder needs at least one image (.jpg .jpeg .png .bmp .gif .webp).'),
  TLORC_DATA_INVALID: def(EXIT.invalidInput, 422, 'Check the data layout: image folders need train/<class>/ (and val/<class>/ or a split); text files need the text and label columns.'),
  TLORC_DATA_PATH_FORBIDDEN: def(EXIT.invalidInput, 403, 'On a server, data paths must lie under one of its configured data roots.'),
  TLORC_WEIGHTS_NOT_FOUND: def(EXIT.invalidInput, 422, 'Give an existing local weights file, or `weights: none` to train from scratch.'),
  TLORC_WEIGHTS_MISMATCH: def(EXIT.runFailed, 422, 'The weights file does not fit this backbone/configuration (architecture, alpha or include_top). Use the file made for it.'),
  TLORC_WEIGHTS_UNAVAILABLE: def(EXIT.runFailed, 422, 'Pretrained weights are not in the local cache and could not be downloaded. Put the file in the framework cache (~/.keras/models, ~/.cache/torch/hub/checkpoints, ~/.cache/huggingface) or give a local path.'),
  TLORC_CATALOG_UNKNOWN_BACKBONE: def(EXIT.invalidInput, 422, '`tlorc catalog` lists the known backbones.'),
  // codegen
  TLORC_CODEGEN_TEMPLATE: def(EXIT.internal, 500, 'This is a tlorc bug in a template; please report it with the spec.'),
  TLORC_CODEGEN_COMPILE: def(EXIT.internal, 500, 'The generated script did not compile with Python; please report it with the spec.'),
  TLORC_DRY_RUN_FAILED: def(EXIT.invalidInput, 422, 'The model could not run one batch forward and backward; see the Python error above (often a shape or label mismatch).'),
  // python runtime
  TLORC_PYTHON_NOT_FOUND: def(EXIT.environment, 503, 'Install Python 3.10+ or point TLORC_PYTHON at a python3 executable.'),
  TLORC_PYTHON_SETUP_FAILED: def(EXIT.environment, 503, 'See the pip output above; `tlorc setup` retries, `tlorc doctor` shows the environment.'),
  TLORC_PYTHON_PACKAGE_MISSING: def(EXIT.environment, 503, 'tlorc\'s pinned environment has PyTorch (and Keras on its torch backend) only: use keras_backend: torch, or point TLORC_PYTHON at a Python that has the package.'),
  TLORC_GPU_UNAVAILABLE: def(EXIT.environment, 503, 'The run asks for a GPU (resources.gpus or resources.device: cuda) and this host has none the framework can use: run it where there is one (`tlorc doctor` shows what PyTorch sees), or remove resources.gpus.'),
  // runs
  TLORC_RUN_FAILED: def(EXIT.runFailed, 500, 'See the reason and the stderr tail; the full log is in the run directory.'),
  TLORC_RUN_CANCELLED: def(EXIT.cancelled, 409, 'The run was cancelled; nothing of it is marked completed.'),
  TLORC_RUN_NOT_FOUND: def(EXIT.invalidInput, 404, '`tlorc runs list` shows the known runs.'),
  TLORC_RUN_NOT_CANCELLABLE: def(EXIT.invalidInput, 409, 'Only queued or running runs can be cancelled.'),
  TLORC_RUN_DIR_EXISTS: def(EXIT.invalidInput, 409, 'Choose another output directory or remove the old run.'),
  TLORC_OUTPUT_INVALID: def(EXIT.invalidInput, 422, 'Choose an output folder that tlorc can create and write to (`output` in the spec, or -o).'),
  // docker runner
  TLORC_DOCKER_UNREACHABLE: def(EXIT.environment, 503, 'Start the Docker engine (`dockerd`, or `systemctl start docker`) or set DOCKER_HOST.'),
  TLORC_DOCKER_IMAGE_MISSING: def(EXIT.environment, 503, 'Build the runtime image (see docker/README.md) or name your own with --image.'),
  TLORC_DOCKER_NO_GPU_RUNTIME: def(EXIT.environment, 503, 'Install the NVIDIA Container Toolkit and restart dockerd, or remove resources.gpus to train on CPU.'),
  // server / api
  TLORC_API_BAD_REQUEST: def(EXIT.invalidInput, 400, 'Check the request body and parameters against /v1/openapi.json.'),
  TLORC_API_UNAUTHORIZED: def(EXIT.invalidInput, 401, 'Send `Authorization: Bearer <token>`.'),
  TLORC_API_NOT_FOUND: def(EXIT.invalidInput, 404, 'See /v1/openapi.json for the routes.'),
  TLORC_API_PAYLOAD_TOO_LARGE: def(EXIT.invalidInput, 413, 'Send a smaller body; the limit is set with --body-limit.'),
  TLORC_ARTIFACT_NOT_FOUND: def(EXIT.invalidInput, 404, 'List the run\'s artifacts first.'),
  TLORC_ARTIFACT_PATH_FORBIDDEN: def(EXIT.invalidInput, 403, 'Artifact names are relative paths inside the run directory.'),
  TLORC_SERVER_UNREACHABLE: def(EXIT.environment, 503, 'Check the server URL (--server / TLORC_SERVER) and that `tlorc serve` is running.'),
  TLORC_API_UNSUPPORTED_MEDIA_TYPE: def(EXIT.invalidInput, 415, 'Send application/json, or application/yaml for a spec.'),
  TLORC_RUN_GPUS_UNAVAILABLE: def(EXIT.invalidInput, 422, 'Ask for at most as many GPUs as the server has slots (`tlorc serve --gpus`), or remove resources.gpus.'),
  TLORC_RUN_INTERRUPTED: def(EXIT.runFailed, 500, 'The server stopped while the run was in flight; submit the spec again.'),
  TLORC_SERVER_SHUTTING_DOWN: def(EXIT.environment, 503, 'The server is stopping; submit again once it is back.'),
  TLORC_SERVER_START_FAILED: def(EXIT.environment, 503, 'Pick a free port (--port) on an address of this machine (--host), and a run store file tlorc can open and write (--store).'),
  TLORC_STORE_IN_USE: def(EXIT.environment, 409, 'Another tlorc server uses this run store; stop it, or give this one its own TLORC_HOME / --store.'),
  TLORC_INTERNAL: def(EXIT.internal, 500, 'This is a tlorc bug; please report it.'),
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERRORS;
