import { metrics, trace } from "@opentelemetry/api";
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

/**
 * The OpenTelemetry SDK with in-memory exporters, registered globally as an application would:
 * spans are kept as they end, metrics are exported on `metricsNow()`.
 */
export class OtelFixture {
  readonly spans = new InMemorySpanExporter();
  readonly #metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  readonly #reader = new PeriodicExportingMetricReader({
    exporter: this.#metrics,
    // Exported on demand only (forceFlush); shutdown() clears the timer.
    exportIntervalMillis: 3_600_000,
  });
  readonly #tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(this.spans)],
  });
  readonly #meterProvider = new MeterProvider({ readers: [this.#reader] });

  register(): this {
    trace.setGlobalTracerProvider(this.#tracerProvider);
    metrics.setGlobalMeterProvider(this.#meterProvider);
    return this;
  }

  finished(): ReadableSpan[] {
    return this.spans.getFinishedSpans();
  }

  /** Every metric exported so far, by name. */
  async metricsNow(): Promise<Map<string, MetricData>> {
    this.#metrics.reset();
    await this.#reader.forceFlush();
    const byName = new Map<string, MetricData>();
    for (const resource of this.#metrics.getMetrics()) {
      for (const scope of resource.scopeMetrics) {
        for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      }
    }
    return byName;
  }

  reset(): void {
    this.spans.reset();
  }

  async shutdown(): Promise<void> {
    trace.disable();
    metrics.disable();
    await this.#tracerProvider.shutdown();
    await this.#meterProvider.shutdown();
  }
}

/** The data points of a metric as `[attributes, value]`, for a sum (`value`) or a histogram (`count`, `sum`). */
export function points(metric: MetricData | undefined): [Record<string, unknown>, unknown][] {
  if (metric === undefined) return [];
  return (metric.dataPoints as DataPoint<number | Histogram>[]).map((point) => [
    { ...point.attributes },
    typeof point.value === "number"
      ? point.value
      : { count: point.value.count, sum: point.value.sum },
  ]);
}
