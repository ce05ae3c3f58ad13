# tlorc/runtime:keras-<tlorc version> — GPU runtime for generated Keras 3 scripts. Build with
# docker/build.sh (context: the repo's python/ folder):
#
#   docker build -f docker/keras.Dockerfile -t tlorc/runtime:keras-0.1.0 python/
#
# Keras 3 runs on the *torch* backend here, on the same official PyTorch CUDA runtime base as the
# PyTorch image. Why not a TensorFlow or JAX GPU base: tlorc's default (and tested) Keras backend is
# torch, python/requirements.txt pins torch and not TF/JAX, and one CUDA stack (the one PyTorch
# ships with) is one less driver/CUDA combination to get right on a GPU server. Both frameworks'
# generated scripts therefore run in either image; the tags stay separate so a Keras image can be
# swapped (for example for a JAX one, see docker/README.md) without touching the PyTorch one.
ARG BASE_IMAGE=pytorch/pytorch:2.15.0-cuda13.0-cudnn9-runtime
FROM ${BASE_IMAGE}

ARG TLORC_VERSION=0.1.0
ARG TLORC_UID=1000
# The Keras backend baked into the image (torch; `jax` or `tensorflow` need EXTRA_REQUIREMENTS).
ARG KERAS_BACKEND=torch
# Extra pip requirements, e.g. "jax[cuda13]==<ver>" for KERAS_BACKEND=jax. Empty by default.
ARG EXTRA_REQUIREMENTS=""
COPY requirements.txt /opt/tlorc/requirements.txt

# Same rule as the PyTorch image: keep the base's CUDA torch/torchvision, refuse a mismatch with
# the pins, install the rest.
RUN set -eux; \
    python -c "import sys, torch, torchvision; \
pins = dict(l.split('==', 1) for l in open('/opt/tlorc/requirements.txt').read().split() if '==' in l); \
have = {'torch': torch.__version__, 'torchvision': torchvision.__version__}; \
bad = [f'{k}: image has {v}, requirements.txt pins {pins[k]}' for k, v in have.items() if v.split('+')[0] != pins[k]]; \
sys.exit('base image does not match python/requirements.txt (choose BASE_IMAGE for these pins):\\n' + '\\n'.join(bad) if bad else 0)"; \
    python -c "import torch, torchvision; print(f'torch=={torch.__version__.split(\"+\")[0]}'); print(f'torchvision=={torchvision.__version__.split(\"+\")[0]}')" > /opt/tlorc/constraints.txt; \
    grep -vE '^[[:space:]]*(torch|torchvision)[[:space:]]*==' /opt/tlorc/requirements.txt > /opt/tlorc/requirements.rest.txt; \
    python -m pip install --no-cache-dir --disable-pip-version-check \
      -c /opt/tlorc/constraints.txt -r /opt/tlorc/requirements.rest.txt ${EXTRA_REQUIREMENTS}; \
    KERAS_BACKEND=${KERAS_BACKEND} python -c "import keras; print('keras', keras.__version__, 'backend', keras.backend.backend())"

RUN set -eux; \
    if ! getent passwd "${TLORC_UID}" >/dev/null; then \
      (getent group "${TLORC_UID}" >/dev/null || groupadd --gid "${TLORC_UID}" tlorc); \
      useradd --uid "${TLORC_UID}" --gid "${TLORC_UID}" --create-home --shell /bin/bash tlorc; \
    fi; \
    chmod 0711 /root

ENV PYTHONUNBUFFERED=1 \
    KERAS_BACKEND=${KERAS_BACKEND} \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    MPLCONFIGDIR=/tmp/matplotlib
LABEL org.opencontainers.image.title="tlorc runtime (Keras 3, CUDA)" \
      org.tlorc.runtime=keras \
      org.tlorc.version=${TLORC_VERSION}
USER ${TLORC_UID}:${TLORC_UID}
WORKDIR /tmp
CMD ["python"]
