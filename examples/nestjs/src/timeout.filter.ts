import { type ArgumentsHost, Catch, type ExceptionFilter } from "@nestjs/common";
import { TimeoutError } from "@retrykit/retry-core";

interface JsonResponse {
  status(code: number): { json(body: unknown): void };
}

/** A call that ran out of time upstream answers 504 Gateway Timeout instead of a bare 500. */
@Catch(TimeoutError)
export class TimeoutFilter implements ExceptionFilter {
  catch(error: TimeoutError, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<JsonResponse>().status(504).json({
      statusCode: 504,
      error: "Gateway Timeout",
      kind: error.kind,
      timeout: error.timeout,
    });
  }
}
