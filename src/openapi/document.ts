import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { API_KEY_SECURITY } from '../api-keys/api-key-principal';
import { completeDocument } from './complete-document';

/** The OpenAPI document served at /docs/openapi.json (snapshot: openapi/openapi.json). */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const generated = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Hissuno settings API')
      .setDescription(
        'Widget security settings, secret keys and the widget guard. Every error answer has ' +
          'one body, `{ statusCode, code, message, requestId, errors? }` (`ErrorBody`); each ' +
          'operation lists the codes it can answer. Lists take `limit` (1..100, default 50) ' +
          "and `cursor` (the previous page's `nextCursor`). The HTTP contract: API.md.",
      )
      .setVersion('1')
      .addServer('/', 'This service')
      .addBearerAuth()
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'hsk_…',
          description:
            "A project API key (`Authorization: Bearer hsk_…`): accepted on the key's own " +
            'project routes that list this scheme, with the rights of its role.',
        },
        API_KEY_SECURITY,
      )
      .build(),
  );
  return completeDocument(generated);
}
