/** Keeps the steps of one trial in order and finds them again by index. */
import type { Step } from '../contracts/domain.js';
import type { Probe } from './types.js';

export class StepLog {
  readonly steps: Step[] = [];

  constructor(private readonly probe: Probe) {}

  async hold(users: number): Promise<{ step: Step; index: number }> {
    const step = await this.probe.hold(users);
    this.steps.push(step);
    return { step, index: this.steps.length - 1 };
  }

  async ramp(from: number, to: number): Promise<Step[]> {
    const steps = await this.probe.ramp(from, to);
    this.steps.push(...steps);
    return steps;
  }
}
