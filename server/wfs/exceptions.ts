// WFS errors as OWS 1.1 exception reports (`ows:ExceptionReport`), with the codes of WFS 2.0 (OGC 09-025r2, table 3)
// and a 4xx for anything the client can fix. Errors from shared code (AppError: unknown property, bad literal,
// rate limit, API key) are mapped onto those codes; a 5xx says nothing of its cause.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, toProblem } from '../errors.ts';
import { escapeXml } from './xml.ts';

export type OwsCode =
  | 'OperationNotSupported'
  | 'MissingParameterValue'
  | 'InvalidParameterValue'
  | 'VersionNegotiationFailed'
  | 'OptionNotSupported'
  | 'OperationParsingFailed'
  | 'OperationProcessingFailed'
  | 'NotFound'
  | 'NoApplicableCode';

const statusOf: Record<OwsCode, number> = {
  OperationNotSupported: 400,
  MissingParameterValue: 400,
  InvalidParameterValue: 400,
  VersionNegotiationFailed: 400,
  OptionNotSupported: 400,
  OperationParsingFailed: 400,
  OperationProcessingFailed: 400,
  NotFound: 404,
  NoApplicableCode: 500,
};

export class WfsError extends Error {
  constructor(
    readonly code: OwsCode,
    message: string,
    readonly locator?: string,
    readonly status: number = statusOf[code],
  ) {
    super(message);
    this.name = 'WfsError';
  }
}

/** Shared machine codes → the OWS code and the parameter they concern. */
const appCodes: Record<string, [OwsCode, string?]> = {
  unknown_property: ['InvalidParameterValue', 'filter'],
  invalid_filter: ['InvalidParameterValue', 'filter'],
  filter_too_complex: ['OperationProcessingFailed', 'filter'],
  invalid_bbox: ['InvalidParameterValue', 'bbox'],
  invalid_json: ['OperationParsingFailed'],
  body_too_large: ['OperationParsingFailed'],
  unsupported_media_type: ['OperationParsingFailed'],
};

export function toWfsError(err: unknown): WfsError {
  if (err instanceof WfsError) return err;
  if (err instanceof AppError) {
    const [code, locator] = appCodes[err.code] ?? ['NoApplicableCode'];
    return new WfsError(code, err.message, locator, err.status < 500 ? err.status : 500);
  }
  const problem = toProblem(err);
  if (problem.status < 500) {
    const [code, locator] = appCodes[problem.code] ?? ['OperationParsingFailed'];
    return new WfsError(code, problem.message, locator, problem.status);
  }
  return new WfsError('NoApplicableCode', problem.message, undefined, problem.status);
}

export function exceptionReport(e: WfsError): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/ows/1.1 http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd" version="2.0.0" xml:lang="en">
  <ows:Exception exceptionCode="${e.code}"${e.locator ? ` locator="${escapeXml(e.locator)}"` : ''}>
    <ows:ExceptionText>${escapeXml(e.message)}</ows:ExceptionText>
  </ows:Exception>
</ows:ExceptionReport>
`;
}

export function registerWfsErrors(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const e = toWfsError(err);
    if (e.status >= 500) request.log.error({ err }, 'WFS request failed');
    reply.status(e.status).type('application/xml; charset=utf-8').send(exceptionReport(e));
  });
}
