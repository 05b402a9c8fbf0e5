/**
 * `anyOf` and `allOf`: one health check made of several, each child keeping its own cache and
 * interval. The combination holds no cache of its own beyond reusing its last verdict object while
 * the children's verdicts are the same objects, so reading it per item allocates nothing.
 */
import { IterationDefinitionError } from '../../errors.js';
import { preview } from '../../json.js';
import { conditionName } from '../validate.js';
import type { HealthCheck, HealthStatus } from './health-check.js';
import { healthCheckBrand, isHealthCheck } from './health-check.js';

/** Options of {@link anyOf} and {@link allOf}. */
export interface CombinedHealthCheckOptions {
  /** Shown in `throttled` events and logs. @defaultValue `anyOf(<child names>)` or `allOf(…)` */
  readonly name?: string;
}

/**
 * Unhealthy as soon as any child is unhealthy: protects several resources with one condition.
 * `close()` closes the children too.
 *
 * @example
 * ```ts
 * const database = anyOf([postgresReplicationLag({ query }), postgresConnections({ query })], {
 *   name: 'orders-db',
 * });
 * ```
 */
export function anyOf(
  checks: readonly HealthCheck[],
  options: CombinedHealthCheckOptions = {},
): HealthCheck {
  return new CombinedHealthCheck('anyOf', validateChildren('anyOf', checks), options);
}

/**
 * Unhealthy only when every child is unhealthy: for redundant resources, such as two replicas
 * either of which can serve the job. `close()` closes the children too.
 *
 * @example
 * ```ts
 * const replicas = allOf([postgresReplicationLag({ query: replicaA }), postgresReplicationLag({ query: replicaB })]);
 * ```
 */
export function allOf(
  checks: readonly HealthCheck[],
  options: CombinedHealthCheckOptions = {},
): HealthCheck {
  return new CombinedHealthCheck('allOf', validateChildren('allOf', checks), options);
}

function validateChildren(kind: string, checks: readonly HealthCheck[]): readonly HealthCheck[] {
  if (!Array.isArray(checks) || checks.length === 0) {
    throw new IterationDefinitionError(
      `${kind}(): expected a non-empty array of health checks, got \`${preview(checks)}\`. ` +
        `Example: ${kind}([postgresReplicationLag({ query }), redisMemory({ redis })]).`,
    );
  }
  checks.forEach((check: unknown, i) => {
    if (!isHealthCheck(check)) {
      throw new IterationDefinitionError(
        `${kind}(): element ${i} is not a health check (got \`${preview(check)}\`). ` +
          `Build it with healthCheck({ name, probe }) or a built-in such as eventLoopDelay().`,
      );
    }
  });
  return Object.freeze([...checks]);
}

class CombinedHealthCheck implements HealthCheck {
  readonly [healthCheckBrand] = true as const;
  readonly name: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly #any: boolean;
  readonly #children: readonly HealthCheck[];
  /** The children's verdicts behind {@link #last}: while they are the same objects, reuse it. */
  readonly #lastChildren: (HealthStatus | undefined)[];
  #last: HealthStatus | undefined;

  constructor(
    kind: 'anyOf' | 'allOf',
    children: readonly HealthCheck[],
    options: CombinedHealthCheckOptions,
  ) {
    this.#any = kind === 'anyOf';
    this.#children = children;
    this.name =
      options.name === undefined
        ? `${kind}(${children.map((c) => c.name).join(', ')})`
        : conditionName(options.name, { where: `${kind}() option name` });
    this.intervalMs = Math.min(...children.map((c) => c.intervalMs));
    this.timeoutMs = Math.max(...children.map((c) => c.timeoutMs));
    this.#lastChildren = children.map(() => undefined);
  }

  peek(): HealthStatus | undefined {
    let changed = this.#last === undefined;
    let missing = false;
    let decided = false; // a child settles the answer: unhealthy for anyOf, healthy for allOf
    // Every child is read, even after the answer is known, so each keeps its cache refreshed.
    for (let i = 0; i < this.#children.length; i++) {
      const status = this.#children[i]!.peek();
      if (status !== this.#lastChildren[i]) {
        this.#lastChildren[i] = status;
        changed = true;
      }
      if (status === undefined) missing = true;
      else if (status.healthy !== this.#any) decided = true;
    }
    if (!changed) return this.#last;
    if (missing && !decided) {
      this.#last = undefined;
      return undefined;
    }
    this.#last = this.#combine(this.#lastChildren);
    return this.#last;
  }

  async status(): Promise<HealthStatus> {
    const cached = this.peek();
    if (cached !== undefined) return cached;
    return this.#combine(await Promise.all(this.#children.map((c) => c.status())));
  }

  async refresh(): Promise<HealthStatus> {
    return this.#combine(await Promise.all(this.#children.map((c) => c.refresh())));
  }

  close(): void {
    for (const child of this.#children) child.close();
  }

  #combine(statuses: readonly (HealthStatus | undefined)[]): HealthStatus {
    const sick: string[] = [];
    const well: string[] = [];
    let checkedAt = Infinity;
    statuses.forEach((status, i) => {
      if (status === undefined) return;
      (status.healthy ? well : sick).push(`${this.#children[i]!.name}: ${status.detail}`);
      checkedAt = Math.min(checkedAt, status.checkedAt);
    });
    const healthy = this.#any ? sick.length === 0 : sick.length < statuses.length;
    let detail: string;
    if (!healthy) detail = sick.join('; ');
    else detail = this.#any ? 'all healthy' : well.join('; ');
    return { healthy, detail, checkedAt };
  }
}
