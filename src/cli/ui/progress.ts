/**
 * Live progress for `tlorc run`: phase headers, a batch bar with current loss and
 * accuracy (redrawn in place on a TTY), one line per epoch, and a final summary table.
 */
import type { TlorcEvent } from '../../events/protocol.js';
import type { RunResult } from '../../runners/types.js';
import { bar, duration, fmt, table } from './format.js';

export class ProgressPrinter {
  private barShown = false;
  private readonly epochs: { phase: string; epoch: string; train: Record<string, number | null>; val: Record<string, number | null>; lr?: number }[] = [];
  private phaseNames: string[] = [];

  constructor(private readonly out: NodeJS.WriteStream = process.stderr, private readonly tty = !!process.stderr.isTTY) {}

  private clearBar(): void {
    if (this.barShown) {
      this.out.write('\r\x1b[2K');
      this.barShown = false;
    }
  }

  private line(s: string): void {
    this.clearBar();
    this.out.write(s + '\n');
  }

  event(e: TlorcEvent): void {
    switch (e.type) {
      case 'run_started':
        this.phaseNames = e.phases.map((p) => p.name);
        this.line(`run ${e.runId}: ${e.backbone} (${e.framework}), ${e.classes?.length ?? '?'} classes, ${e.train_samples ?? '?'} train / ${e.val_samples ?? '?'} val examples${e.device ? `, ${e.device}` : ''}`);
        break;
      case 'phase_started':
        this.line(`phase ${e.phase + 1}/${this.phaseNames.length || '?'} "${e.name}": ${e.epochs} epoch(s), lr ${fmt(e.learning_rate)}, ${e.trainable_params.toLocaleString()} trainable / ${e.frozen_params.toLocaleString()} frozen params`);
        break;
      case 'batch':
        if (this.tty) {
          const m = e.metrics;
          this.out.write(`\r\x1b[2K  epoch ${e.epoch} ${bar(e.batch, e.batches)} ${e.batch}/${e.batches} loss ${fmt(m.loss ?? null)}${m.accuracy !== undefined ? ` acc ${fmt(m.accuracy)}` : ''}`);
          this.barShown = true;
        }
        break;
      case 'epoch': {
        const t = e.train;
        const v = e.val;
        this.epochs.push({ phase: this.phaseNames[e.phase] ?? String(e.phase), epoch: `${e.epoch}/${e.epochs}`, train: t, val: v, ...(e.learning_rate !== undefined ? { lr: e.learning_rate } : {}) });
        this.line(`  epoch ${e.epoch}/${e.epochs}  loss ${fmt(t.loss ?? null)}  acc ${fmt(t.accuracy ?? null)}  |  val_loss ${fmt(v.loss ?? null)}  val_acc ${fmt(v.accuracy ?? null)}  (${duration(e.duration_s)})`);
        break;
      }
      case 'warning':
        this.line(`  warning: ${e.message}`);
        break;
      case 'log':
        if (e.level === 'error' || (e.stream === 'stderr' && /error|Traceback/i.test(e.message))) this.line(`  ${e.message}`);
        break;
      case 'checkpoint':
        this.line(`  saved ${e.kind ?? 'model'}: ${e.path}`);
        break;
      default:
        break;
    }
  }

  summary(r: RunResult): string {
    this.clearBar();
    const keys = [...new Set(this.epochs.flatMap((e) => [...Object.keys(e.train).map((k) => `train ${k}`), ...Object.keys(e.val).map((k) => `val ${k}`)]))];
    const rows = [['phase', 'epoch', ...keys, 'lr']];
    for (const e of this.epochs)
      rows.push([e.phase, e.epoch, ...keys.map((k) => (k.startsWith('train ') ? fmt(e.train[k.slice(6)] ?? null) : fmt(e.val[k.slice(4)] ?? null))), e.lr !== undefined ? fmt(e.lr) : '-']);
    const head = `run ${r.runId} ${r.status} in ${duration(r.durationS)}`;
    const final = r.final ? `final: ${Object.entries(r.final.val).map(([k, v]) => `val ${k} ${fmt(v)}`).join(', ')}` : '';
    return [this.epochs.length ? table(rows) : '', head, final, `run directory: ${r.runDir}`].filter(Boolean).join('\n');
  }
}
