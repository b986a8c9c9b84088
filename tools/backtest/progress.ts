// The progress bar of a long backtest, on stderr (cli-progress). It appears only once a run has
// taken a couple of seconds, and never when stderr is not a terminal (CI logs, pipes) or with --quiet.
import { SingleBar } from "cli-progress";

export interface Progress {
  update(stage: string, done: number, total: number): void;
  stop(): void;
}

const SHOW_AFTER_MS = 2000;

export function progressBar(opts: { quiet: boolean; stream: { write(s: string): boolean; isTTY?: boolean } }, now: () => number = Date.now): Progress {
  const started = now();
  let bar: SingleBar | undefined;
  let stage = "";
  const silent = opts.quiet || !opts.stream.isTTY;
  return {
    update(nextStage, done, total) {
      if (silent || total <= 0) return;
      if (!bar) {
        if (now() - started < SHOW_AFTER_MS) return;
        bar = new SingleBar({
          stream: opts.stream as NodeJS.WritableStream,
          format: "{bar} {percentage}% | {stage}",
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        });
        bar.start(total, done, { stage: nextStage });
      }
      if (nextStage !== stage || bar.getTotal() !== total) bar.setTotal(total);
      stage = nextStage;
      bar.update(done, { stage: nextStage });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
