/**
 * Reading a synthesised CloudFormation template in tests: intrinsic functions rendered as plain
 * strings (`ImageBucket1234.Arn/uploads/*`) so an IAM resource can be compared with a pattern,
 * and every Allow statement of every identity policy in one list.
 */
import type { Template } from 'aws-cdk-lib/assertions';

type TemplateValue = unknown;

/**
 * `{ Ref: X }` -> `X` (a pseudo parameter as `<AWS::Partition>`), `{ Fn::GetAtt: [X, Arn] }` ->
 * `X.Arn`, `{ Fn::Join: [s, parts] }` joined.
 */
export function renderValue(value: TemplateValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    if (typeof object.Ref === 'string') {
      return object.Ref.startsWith('AWS::') ? `<${object.Ref}>` : object.Ref;
    }
    const getAtt = object['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return getAtt.map(String).join('.');
    const join = object['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map(renderValue).join(join[0]);
    }
  }
  return JSON.stringify(value);
}

const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export interface AllowStatement {
  /** The policy's logical id, for messages. */
  policy: string;
  sid: string | undefined;
  actions: string[];
  resources: string[];
}

interface PolicyDocument {
  Statement?: unknown;
}

function statementsOf(policy: string, document: PolicyDocument | undefined): AllowStatement[] {
  return asList(document?.Statement)
    .map((statement) => statement as Record<string, unknown>)
    .filter((statement) => statement.Effect === 'Allow')
    .map((statement) => ({
      policy,
      sid: typeof statement.Sid === 'string' ? statement.Sid : undefined,
      actions: asList(statement.Action).map(renderValue),
      resources: asList(statement.Resource).map(renderValue),
    }));
}

/** Allow statements of identity policies: inline role policies, IAM policies, managed policies. */
export function identityAllowStatements(template: Template): AllowStatement[] {
  const statements: AllowStatement[] = [];
  for (const [id, resource] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    statements.push(...statementsOf(id, resource.Properties?.PolicyDocument));
  }
  for (const [id, resource] of Object.entries(template.findResources('AWS::IAM::ManagedPolicy'))) {
    statements.push(...statementsOf(id, resource.Properties?.PolicyDocument));
  }
  for (const [id, resource] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    for (const inline of asList(resource.Properties?.Policies)) {
      statements.push(...statementsOf(id, (inline as { PolicyDocument?: PolicyDocument }).PolicyDocument));
    }
  }
  return statements;
}

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
export function logicalIdOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  const [id, ...others] = ids;
  if (id === undefined || others.length > 0) {
    throw new Error(`expected one ${type} named ${prefix}*, found ${ids.length}`);
  }
  return id;
}
