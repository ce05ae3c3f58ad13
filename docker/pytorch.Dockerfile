# tlorc/runtime:pytorch-<tlorc version> — GPU runtime for generated PyTorch (torchvision /
# transformers) scripts. Build with docker/build.sh (context: the repo's python/ folder):
#
#   docker build -f docker/pytorch.Dockerfile -t tlorc/runtime:pytorch-0.1.0 python/
#
# The base is the official PyTorch CUDA *runtime* image (CUDA + cuDNN + the matching torch and
# torchvision, no compilers). Its torch must be the version python/requirements.txt pins: the build
# checks that and fails with a clear message otherwise, so pick the base tag for that version.
ARG BASE_IMAGE=pytorch/pytorch:2.15.0-cuda13.0-cudnn9-runtime
FROM ${BASE_IMAGE}

ARG TLORC_VERSION=0.1.0
ARG TLORC_UID=1000
COPY requirements.txt /opt/tlorc/requirements.txt

# 1. Keep the base's CUDA builds of torch/torchvision (never let pip swap them for PyPI wheels):
#    check they match the pins, constrain pip to them, install everything else from the pins.
#    The constraint is the public version (2.15.0, not 2.15.0+cu130): it still matches the
#    installed local build, while a constraint with a local label makes pip's resolver reject it.
RUN set -eux; \
    python -c "import sys, torch, torchvision; \
pins = dict(l.split('==', 1) for l in open('/opt/tlorc/requirements.txt').read().split() if '==' in l); \
have = {'torch': torch.__version__, 'torchvision': torchvision.__version__}; \
bad = [f'{k}: image has {v}, requirements.txt pins {pins[k]}' for k, v in have.items() if v.split('+')[0] != pins[k]]; \
sys.exit('base image does not match python/requirements.txt (choose BASE_IMAGE for these pins):\\n' + '\\n'.join(bad) if bad else 0)"; \
    python -c "import torch, torchvision; print(f'torch=={torch.__version__.split(\"+\")[0]}'); print(f'torchvision=={torchvision.__version__.split(\"+\")[0]}')" > /opt/tlorc/constraints.txt; \
    grep -vE '^[[:space:]]*(torch|torchvision)[[:space:]]*==' /opt/tlorc/requirements.txt > /opt/tlorc/requirements.rest.txt; \
    python -m pip install --no-cache-dir --disable-pip-version-check \
      -c /opt/tlorc/constraints.txt -r /opt/tlorc/requirements.rest.txt; \
    KERAS_BACKEND=torch python -c "import torch, torchvision, keras, transformers, PIL, h5py, sklearn; print('torch', torch.__version__, 'keras', keras.__version__)"

# 2. A non-root user (uid 1000 unless the base already has one there, e.g. Ubuntu 24.04's
#    `ubuntu`: then that one is used). tlorc runs containers as the host uid:gid when the host user
#    is not root, and as this user otherwise. /root stays private but traversable, so host paths
#    mounted under /root (a root user's run directory) are reachable at the same absolute path.
RUN set -eux; \
    if ! getent passwd "${TLORC_UID}" >/dev/null; then \
      (getent group "${TLORC_UID}" >/dev/null || groupadd --gid "${TLORC_UID}" tlorc); \
      useradd --uid "${TLORC_UID}" --gid "${TLORC_UID}" --create-home --shell /bin/bash tlorc; \
    fi; \
    chmod 0711 /root

ENV PYTHONUNBUFFERED=1 \
    KERAS_BACKEND=torch \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    MPLCONFIGDIR=/tmp/matplotlib
LABEL org.opencontainers.image.title="tlorc runtime (PyTorch, CUDA)" \
      org.tlorc.runtime=pytorch \
      org.tlorc.version=${TLORC_VERSION}
USER ${TLORC_UID}:${TLORC_UID}
WORKDIR /tmp
CMD ["python"]
