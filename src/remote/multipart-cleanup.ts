/**
 * Multipart uploads a crash left open hold their parts (and are billed) until aborted; they never
 * become objects. Aborts every open upload under one key prefix.
 */
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, NoSuchUpload, type S3Client } from '@aws-sdk/client-s3';

export async function abortUploadsUnder(client: S3Client, bucket: string, absolutePrefix: string): Promise<number> {
  let aborted = 0;
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListMultipartUploadsCommand({
        Bucket: bucket,
        Prefix: absolutePrefix,
        ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
        ...(uploadIdMarker !== undefined ? { UploadIdMarker: uploadIdMarker } : {}),
      }),
    );
    for (const upload of page.Uploads ?? []) {
      if (upload.Key === undefined || upload.UploadId === undefined) continue;
      try {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }));
        aborted += 1;
      } catch (error) {
        // Finished or aborted by someone else meanwhile: nothing left to clean.
        if (!(error instanceof NoSuchUpload)) throw error;
      }
    }
    if (page.IsTruncated !== true) return aborted;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}
