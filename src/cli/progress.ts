/**
 * Progress of a long CLI run on stderr. On a terminal: one bar redrawn in place (`\r`, at most
 * ten times a second, cleared at the end). Otherwise (logs, pipes, CI): plain lines, one per
 * 10 % step and one per phase, and only once the run has taken a second, so quick runs print
 * nothing and logs never see control characters.
 */
export interface Progress {
  /** `done` of about `total` units so far. */
  update(done: number, total: number): void;
  /**
   * A phase without a measurable amount (e.g. building indexes), maybe in steps: on a terminal
   * each step redraws the line; otherwise the phase is one line.
   */
  phase(text: string, step?: { done: number; total: number }): void;
  /** Clears the bar; returns the seconds since the start. */
  finish(): number;
  /** A line of its own (clears and redraws the bar around it). */
  note(text: string): void;
}

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const BAR = 28;
const QUIET_MS = 1000;
const REDRAW_MS = 100;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export function createProgress(
  label: string, unit: string, stream: ProgressStream = process.stderr, clock: () => number = () => performance.now(),
): Progress {
  const tty = stream.isTTY === true;
  const started = clock();
  const seconds = () => (clock() - started) / 1000;
  let lastDraw = -Infinity;
  let lastStep = -1;
  let shown = '';
  let current = '';
  let lastPhase: string | undefined;

  const draw = (line: string, force = false) => {
    current = line;
    const now = clock();
    if (!force && now - lastDraw < REDRAW_MS) return;
    lastDraw = now;
    const width = Math.max(20, (stream.columns || 80) - 1); // 0 or undefined: size unknown
    const text = line.length > width ? line.slice(0, width) : line;
    stream.write(`\r${text}${shown.length > text.length ? ' '.repeat(shown.length - text.length) : ''}`);
    shown = text;
  };
  const clear = () => {
    if (shown) stream.write(`\r${' '.repeat(shown.length)}\r`);
    shown = '';
  };
  const line = (text: string) => stream.write(`${label}: ${text}\n`);

  return {
    update(done, total) {
      const fraction = total > 0 ? Math.min(0.99, done / total) : 0;
      if (tty) {
        const filled = Math.round(fraction * BAR);
        draw(`${label} [${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${String(Math.floor(fraction * 100)).padStart(2)}% ` +
          `${fmt(done)} / ~${fmt(total)} ${unit}  ${seconds().toFixed(1)} s`);
        return;
      }
      const step = Math.floor(fraction * 10);
      if (step > lastStep && step > 0 && clock() - started >= QUIET_MS) {
        line(`${step * 10}% (${fmt(done)} of ~${fmt(total)} ${unit}, ${seconds().toFixed(1)} s)`);
      }
      if (step > lastStep) lastStep = step;
    },
    phase(text, step) {
      if (tty) draw(`${label}: ${text}${step ? ` (step ${step.done} of ${step.total})` : ''}  ${seconds().toFixed(1)} s`, true);
      else if (text !== lastPhase && clock() - started >= QUIET_MS) line(`${text} (${seconds().toFixed(1)} s)`);
      lastPhase = text;
    },
    note(text) {
      const redraw = current && shown;
      if (tty) clear();
      line(text);
      if (tty && redraw) draw(current, true);
    },
    finish() {
      if (tty) clear();
      return seconds();
    },
  };
}
