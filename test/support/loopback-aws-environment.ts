/**
 * The environment that points the AWS SDK at loopback stand-ins (s3rver, dynalite, the model
 * server as the SageMaker runtime), as a deployment's environment points it at AWS: s3rver's own
 * key, no instance metadata lookups, and checksums only where required (s3rver stores streamed
 * uploads with their checksum framing otherwise, DEPENDENCIES.md).
 */
export function loopbackAwsEnvironment(endpoints: {
  s3: string;
  dynamodb: string;
  sageMakerRuntime: string;
}): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: endpoints.sageMakerRuntime,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  };
}

/**
 * The service's own settings for the production composition on those stand-ins: S3 and DynamoDB
 * stores, the routing table's remote models, prompts from Langfuse and recommendations from an
 * OpenAI-compatible LLM.
 */
export function remoteCompositionEnvironment(settings: {
  bucket: string;
  table: string;
  routes: string;
  roboflowApiKey: string;
  langfuse: { baseUrl: string; publicKey: string; secretKey: string };
  llmUrl: string;
}): Record<string, string> {
  const { langfuse } = settings;
  return {
    DDX_BLOB_STORE: 's3',
    DDX_BUCKET: settings.bucket,
    DDX_S3_FORCE_PATH_STYLE: 'true',
    DDX_RESULT_STORE: 'dynamodb',
    DDX_TABLE: settings.table,
    DDX_ROUTES: settings.routes,
    ROBOFLOW_API_KEY: settings.roboflowApiKey,
    DDX_PROMPT_SOURCE: 'langfuse',
    LANGFUSE_BASE_URL: langfuse.baseUrl,
    LANGFUSE_PUBLIC_KEY: langfuse.publicKey,
    LANGFUSE_SECRET_KEY: langfuse.secretKey,
    DDX_RECOMMENDER: 'openai',
    DDX_LLM_MODEL: 'gpt-4o-mini',
    OPENAI_BASE_URL: `${settings.llmUrl}/v1`,
    OPENAI_API_KEY: 'sk-loopback',
    DDX_LOG_LEVEL: 'silent',
  };
}
