/** `image/jpeg` from `image/jpeg; charset=binary`, lower-cased; '' when absent. */
export function mediaTypeOf(header: string | null | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
