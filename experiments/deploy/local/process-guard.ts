/**
 * What keeps a local run from outliving its owner: a detached reaper that
 * purges the run's tag once this process is gone (it notices when the pipe
 * between them closes), an exit hook that kills what cannot be awaited, and
 * signal handlers for when no CLI owns the shutdown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import { REPO_ROOT } from '../../../lib/repo-root.js';
import { MARKER_ENV } from './ownership.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface GuardOptions {
  tag: string;
  stateDir: string;
  reaper: boolean;
  handleSignals: boolean;
  /** last resort at process exit: no awaiting possible */
  killNow: () => void;
  /** orderly teardown on a signal nobody else handles */
  down: () => Promise<void>;
  log: (event: string, fields?: Record<string, unknown>) => void;
}

export class ProcessGuard {
  private reaper: ChildProcess | null = null;
  private readonly onSignal = new Map<NodeJS.Signals, () => void>();
  private readonly onExit: () => void;

  constructor(private readonly o: GuardOptions) {
    this.onExit = () => o.killNow();
  }

  install(): void {
    if (this.o.reaper) this.startReaper();
    process.on('exit', this.onExit);
    if (!this.o.handleSignals) return;
    for (const sig of SIGNALS) {
      const handler = () => {
        // another listener (the experiment's CLI) owns the shutdown: it aborts the trial, keeps the
        // worker's partial result and then calls down(); tearing down here would SIGKILL that worker
        if (process.listenerCount(sig) > 1) return;
        this.o.log('signal', { signal: sig });
        void this.o.down().finally(() => {
          if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
        });
      };
      this.onSignal.set(sig, handler);
      process.on(sig, handler);
    }
  }

  /** The run is over (down or detached): no reaper, no hooks. */
  uninstall(): void {
    this.reaper?.kill('SIGTERM');
    process.off('exit', this.onExit);
    for (const [sig, handler] of this.onSignal) process.off(sig, handler);
    this.onSignal.clear();
  }

  private startReaper(): void {
    const out = openSync(path.join(this.o.stateDir, 'reaper.log'), 'a');
    const env: NodeJS.ProcessEnv = { ...process.env, REAPER_TAG: this.o.tag };
    delete env[MARKER_ENV];
    const reaper = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'experiments/deploy/local/reaper-main.ts')], {
      cwd: REPO_ROOT, env, stdio: ['pipe', out, out], detached: true,
    });
    closeSync(out);
    // neither the reaper nor its pipe may keep this process alive; the pipe closing is the reaper's cue
    reaper.unref();
    (reaper.stdin as net.Socket).unref();
    this.reaper = reaper;
  }
}
