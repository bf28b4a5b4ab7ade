// The AWS SDK for JavaScript v3 against a running Tessera, at the SDK's default settings: only the endpoint, path-style
// addressing (an IP endpoint has no bucket subdomains), the credentials and the region are given. Called by
// scripts/smoke.sh as `node smoke.mjs ENDPOINT`; prints one "  ok   NAME" or "  FAIL NAME" line per check. The
// versions are pinned in package.json and package-lock.json; smoke.sh installs them with `npm ci`.
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  S3Client, CreateBucketCommand, HeadBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  CopyObjectCommand, DeleteObjectsCommand, DeleteBucketCommand, CreateMultipartUploadCommand, UploadPartCommand,
  CompleteMultipartUploadCommand, ListPartsCommand, paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

const endpoint = process.argv[2];
const s3 = new S3Client({
  endpoint, forcePathStyle: true, region: "us-east-1",
  credentials: { accessKeyId: process.env.TESSERA_ROOT_USER, secretAccessKey: process.env.TESSERA_ROOT_PASSWORD },
});
const Bucket = "smoke-js";
let failures = 0;

async function check(name, fn) {
  try {
    await fn();
    console.log(`  ok   ${name}`);
  } catch (e) {
    failures++;
    console.log(`  FAIL ${name}`);
    console.log(String(e?.stack ?? e).split("\n").slice(0, 8).map((l) => "       " + l).join("\n"));
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const md5 = (b) => createHash("md5").update(b).digest("hex");
const read = async (out) => Buffer.from(await out.Body.transformToByteArray());
async function errorOf(promise) {
  try {
    await promise;
  } catch (e) {
    return `${e.name} ${e.$metadata?.httpStatusCode}`;
  }
  throw new Error("the call succeeded");
}

await check("js CreateBucket + HeadBucket", async () => {
  await s3.send(new CreateBucketCommand({ Bucket }));
  const head = await s3.send(new HeadBucketCommand({ Bucket }));
  assert(head.$metadata.httpStatusCode === 200, "HeadBucket");
});

await check("js PutObject/GetObject (default checksums), Range, metadata", async () => {
  const body = randomBytes(300_000);
  const put = await s3.send(new PutObjectCommand({ Bucket, Key: "a.bin", Body: body, Metadata: { colour: "blue" } }));
  assert(put.ETag === `"${md5(body)}"`, `ETag ${put.ETag}`);
  const got = await s3.send(new GetObjectCommand({ Bucket, Key: "a.bin" }));
  assert((await read(got)).equals(body), "body");
  assert(got.Metadata.colour === "blue", "metadata");
  const ranged = await s3.send(new GetObjectCommand({ Bucket, Key: "a.bin", Range: "bytes=1000-1999" }));
  assert((await read(ranged)).equals(body.subarray(1000, 2000)), "range");
});

await check("js PutObject of a stream with a known length", async () => {
  const body = randomBytes(1_500_000);
  await s3.send(new PutObjectCommand({ Bucket, Key: "stream.bin", Body: Readable.from([body.subarray(0, 700_000), body.subarray(700_000)]), ContentLength: body.length }));
  assert((await read(await s3.send(new GetObjectCommand({ Bucket, Key: "stream.bin" })))).equals(body), "body");
});

await check("js lib-storage Upload (20 MB, 5 MiB parts, 4 in parallel)", async () => {
  const body = randomBytes(20_000_000);
  const done = await new Upload({ client: s3, params: { Bucket, Key: "big.bin", Body: body } }).done();
  assert(/-4"$/.test(done.ETag), `ETag ${done.ETag}`);
  assert((await read(await s3.send(new GetObjectCommand({ Bucket, Key: "big.bin" })))).equals(body), "body");
});

await check("js low-level multipart with ListParts and the md5-of-md5s ETag", async () => {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: "mpu.bin" }));
  const parts = [randomBytes(5 * 1024 * 1024), randomBytes(4321)];
  const etags = [];
  for (let i = 0; i < parts.length; i++) {
    etags.push((await s3.send(new UploadPartCommand({ Bucket, Key: "mpu.bin", UploadId, PartNumber: i + 1, Body: parts[i] }))).ETag);
  }
  const listed = await s3.send(new ListPartsCommand({ Bucket, Key: "mpu.bin", UploadId }));
  assert(listed.Parts.map((p) => p.Size).join() === `${parts[0].length},${parts[1].length}`, "ListParts sizes");
  const done = await s3.send(new CompleteMultipartUploadCommand({
    Bucket, Key: "mpu.bin", UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
  }));
  const expected = md5(Buffer.concat(parts.map((p) => createHash("md5").update(p).digest())));
  assert(done.ETag === `"${expected}-2"`, `ETag ${done.ETag}`);
});

await check("js paginateListObjectsV2 (page size 2, delimiter)", async () => {
  for (let i = 0; i < 5; i++) await s3.send(new PutObjectCommand({ Bucket, Key: `list/k${i}`, Body: "x" }));
  await s3.send(new PutObjectCommand({ Bucket, Key: "list/sub/deep", Body: "y" }));
  const keys = [], prefixes = [];
  let pages = 0;
  for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket, Prefix: "list/", Delimiter: "/" })) {
    pages++;
    keys.push(...(page.Contents ?? []).map((o) => o.Key));
    prefixes.push(...(page.CommonPrefixes ?? []).map((c) => c.Prefix));
  }
  assert(keys.join() === "list/k0,list/k1,list/k2,list/k3,list/k4", `keys ${keys}`);
  assert(prefixes.join() === "list/sub/", `prefixes ${prefixes}`);
  assert(pages === 3, `pages ${pages}`);
});

await check("js CopyObject and HeadObject", async () => {
  await s3.send(new CopyObjectCommand({ Bucket, Key: "copy.bin", CopySource: `${Bucket}/a.bin` }));
  const head = await s3.send(new HeadObjectCommand({ Bucket, Key: "copy.bin" }));
  assert(head.ContentLength === 300_000, `length ${head.ContentLength}`);
});

await check("js presigned PUT and GET with fetch", async () => {
  const put = await getSignedUrl(s3, new PutObjectCommand({ Bucket, Key: "presigned.txt" }), { expiresIn: 300 });
  const stored = await fetch(put, { method: "PUT", body: "signed in the query" });
  assert(stored.status === 200, `PUT ${stored.status} ${await stored.text()}`);
  const get = await getSignedUrl(s3, new GetObjectCommand({ Bucket, Key: "presigned.txt" }), { expiresIn: 300 });
  const fetched = await fetch(get);
  assert(fetched.status === 200 && (await fetched.text()) === "signed in the query", `GET ${fetched.status}`);
});

await check("js errors: NoSuchKey 404, NotFound 404, BucketNotEmpty 409", async () => {
  assert(await errorOf(s3.send(new GetObjectCommand({ Bucket, Key: "missing" }))) === "NoSuchKey 404", "GetObject");
  assert(await errorOf(s3.send(new HeadObjectCommand({ Bucket, Key: "missing" }))) === "NotFound 404", "HeadObject");
  assert(await errorOf(s3.send(new DeleteBucketCommand({ Bucket }))) === "BucketNotEmpty 409", "DeleteBucket");
});

await check("js DeleteObjects of every key, then DeleteBucket", async () => {
  const keys = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket })) keys.push(...(page.Contents ?? []).map((o) => ({ Key: o.Key })));
  const out = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys } }));
  assert(!out.Errors?.length && out.Deleted.length === keys.length, `deleted ${out.Deleted?.length} of ${keys.length}`);
  await s3.send(new DeleteBucketCommand({ Bucket }));
  assert(await errorOf(s3.send(new HeadBucketCommand({ Bucket }))) === "NotFound 404", "bucket gone");
});

process.exit(failures ? 1 : 0);
