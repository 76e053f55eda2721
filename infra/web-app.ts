/**
 * The workspace (src/web/) as a Lambda behind a Function URL, off unless the stack asks for it
 * (`webApp` context): the same bundle as the inference function (handler `index.webHandler`),
 * its environment and least-privilege role (it stores uploads, runs jobs and writes records,
 * tokens and audit entries in the same bucket and table), and a generated session secret it
 * reads by ARN. The Function URL has no IAM auth: the app authenticates every route but
 * `/healthz` itself (API tokens, sessions, OIDC JWTs configured by context).
 */
import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface WebAppSettings {
  /** OIDC bearer JWTs: issuer, audience, the claim holding the role, and the JWKS when not at `<issuer>/.well-known/jwks.json`. */
  oidc?: { issuer: string; audience: string; roleClaim?: string; jwksUrl?: string };
  /** Extra Host names (a custom domain in front of the Function URL). */
  allowedHosts?: readonly string[];
}

export interface WebAppProps extends WebAppSettings {
  code: lambda.Code;
  architecture: lambda.Architecture;
  role: iam.Role;
  /** The inference function's environment: stores, prefixes, models, recommender, events. */
  environment: Record<string, string>;
  memorySize: number;
}

/** A page or an upload is answered within this; an upload's job has the same deadline as a queued one. */
export const webFunctionTimeout = Duration.seconds(60);

export class WebApp extends Construct {
  readonly function: lambda.Function;
  readonly url: lambda.FunctionUrl;
  readonly sessionSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: WebAppProps) {
    super(scope, id);
    this.sessionSecret = new secretsmanager.Secret(this, 'SessionSecret', {
      description: 'DDx Assist workspace: signs browser session cookies',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    this.sessionSecret.grantRead(props.role);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    logGroup.grantWrite(props.role);
    const environment: Record<string, string> = {
      ...props.environment,
      DDX_SESSION_SECRET_SECRET_ARN: this.sessionSecret.secretArn,
      DDX_SECURE_COOKIES: 'true',
      // A job started by an upload must end, record stored, before the function's own timeout.
      DDX_JOB_TIMEOUT_MS: String(webFunctionTimeout.toMilliseconds() - 10_000),
    };
    if (props.allowedHosts && props.allowedHosts.length > 0) {
      environment.DDX_ALLOWED_HOSTS = props.allowedHosts.join(',');
    }
    if (props.oidc) {
      environment.DDX_OIDC_ISSUER = props.oidc.issuer;
      environment.DDX_OIDC_AUDIENCE = props.oidc.audience;
      if (props.oidc.roleClaim) environment.DDX_OIDC_ROLE_CLAIM = props.oidc.roleClaim;
      if (props.oidc.jwksUrl) environment.DDX_OIDC_JWKS_URL = props.oidc.jwksUrl;
    }
    this.function = new lambda.Function(this, 'Function', {
      description: 'DDx Assist workspace: the HTTP API, worklist, record pages and review',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: props.architecture,
      code: props.code,
      handler: 'index.webHandler',
      memorySize: props.memorySize,
      timeout: webFunctionTimeout,
      role: props.role,
      logGroup,
      environment,
    });
    this.url = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    new CfnOutput(scope, 'WebUrl', {
      value: this.url.url,
      description: 'The workspace: sign in with a token from `ddx tokens create` (against the same table)',
    });
  }
}
