/**
 * The fault rules in force, in the order they were added, with their counters. A request is
 * shown to every rule; each rule that it matches counts it (`matched`, which `skip` is counted
 * against), and the first of them that fires — past its skip, under its count, and drawn by its
 * probability — is the one the request meets: it takes a hit, and the rules after it draw
 * nothing for this request. So a request meets at most one rule.
 *
 * Ids are `f1`, `f2`, … for the life of the server (never reused, so a journal entry's `fault`
 * always names one rule). Each rule draws from its own seeded PRNG (`seed`), one draw per
 * request it could fire on when its probability is below 1, and jitter from a second stream
 * of the same seed: the same requests in the same order meet the same faults, run after run.
 */
import { Random } from '../../demo/random.js';
import { matches, type RequestFacts } from './match.js';
import type { FaultKind, FaultRule, RuleJson } from './rule.js';

/** A rule as listed: its JSON form, id and counters. */
export interface RuleView extends RuleJson {
  readonly id: string;
  /** Times the rule fired (requests that met it). */
  readonly hits: number;
  /** Requests that matched it, fired or not. */
  readonly matched: number;
  /** `count` is reached: the rule fires no more (it stays listed until deleted). */
  readonly exhausted: boolean;
}

/** What a request meets: the rule's id, its fault (absent: delay only) and the delay drawn. */
export interface FaultDecision {
  readonly id: string;
  readonly fault?: FaultKind;
  readonly delayMs: number;
}

/**
 * The fault rules as the app uses them: this process's registry, or (worker processes of one
 * server) the one the primary process keeps for all, so counts and skips are global.
 */
export interface FaultRules {
  /** Rules in force (a worker's copy may lag an add or delete elsewhere by an IPC round trip). */
  readonly size: number;
  /** Adds the rules in order: their views. */
  add(rules: readonly FaultRule[]): RuleView[] | Promise<RuleView[]>;
  list(): RuleView[] | Promise<RuleView[]>;
  get(id: string): RuleView | undefined | Promise<RuleView | undefined>;
  remove(id: string): boolean | Promise<boolean>;
  clear(): number | Promise<number>;
  decide(facts: RequestFacts): FaultDecision | undefined | Promise<FaultDecision | undefined>;
}

class ActiveRule {
  hits = 0;
  matched = 0;
  private readonly draws: Random;
  private readonly jitters: Random;

  constructor(
    readonly id: string,
    readonly rule: FaultRule,
  ) {
    this.draws = Random.derive(rule.seed, 'probability');
    this.jitters = Random.derive(rule.seed, 'jitter');
  }

  get exhausted(): boolean {
    return this.rule.count !== undefined && this.hits >= this.rule.count;
  }

  /** Counts a matching request; whether the rule fires on it (`mayFire` false: another rule already did). */
  offer(mayFire: boolean): boolean {
    this.matched++;
    const { skip, probability } = this.rule;
    if (!mayFire || this.matched <= skip || this.exhausted) return false;
    if (probability < 1 && !(this.draws.next() < probability)) return false;
    this.hits++;
    return true;
  }

  delay(): number {
    const { delayMs, jitterMs } = this.rule;
    return jitterMs > 0 ? delayMs + Math.round(this.jitters.next() * jitterMs) : delayMs;
  }

  view(): RuleView {
    return { id: this.id, ...this.rule.shown, hits: this.hits, matched: this.matched, exhausted: this.exhausted };
  }
}

export class FaultRegistry implements FaultRules {
  private rules: ActiveRule[] = [];
  private next = 1;

  constructor(initial: readonly FaultRule[] = []) {
    this.add(initial);
  }

  get size(): number {
    return this.rules.length;
  }

  add(rules: readonly FaultRule[]): RuleView[] {
    return rules.map((rule) => {
      const active = new ActiveRule(`f${this.next++}`, rule);
      this.rules.push(active);
      return active.view();
    });
  }

  /** The rules in force, with their ids (what a worker process matches requests against). */
  inForce(): { readonly id: string; readonly rule: FaultRule }[] {
    return this.rules.map((r) => ({ id: r.id, rule: r.rule }));
  }

  list(): RuleView[] {
    return this.rules.map((r) => r.view());
  }

  get(id: string): RuleView | undefined {
    return this.rules.find((r) => r.id === id)?.view();
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  /** Removes every rule; ids go on counting. */
  clear(): number {
    const n = this.rules.length;
    this.rules = [];
    return n;
  }

  /** The rule a request meets, if any (counting it against every rule it matches). */
  decide(facts: RequestFacts): FaultDecision | undefined {
    let chosen: ActiveRule | undefined;
    for (const r of this.rules) {
      if (!matches(r.rule.match, facts)) continue;
      if (r.offer(chosen === undefined)) chosen = r;
    }
    return chosen && { id: chosen.id, fault: chosen.rule.fault, delayMs: chosen.delay() };
  }
}
