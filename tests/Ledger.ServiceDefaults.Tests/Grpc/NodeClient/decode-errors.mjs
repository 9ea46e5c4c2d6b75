// A Ledger client written as a newcomer in another language would write it, from
// docs/API.md alone: load the service's .proto, make calls that fail, and decode the
// google.rpc.Status in the grpc-status-details-bin trailer with the message definitions
// that docs/API.md prints (its "error-details-proto" block, read from the doc itself).
// Prints one JSON object per call on stdout; NodeClientTests checks them.
//
// Environment: LEDGER_ADDRESS (host:port of Issuance's gRPC endpoint), LEDGER_CLIENT_ID and
// LEDGER_CLIENT_KEY (a registered client and its private JWK file), LEDGER_UNKNOWN_LICENSE_ID,
// LEDGER_PROTOS (the contracts/protos directory), LEDGER_API_DOC (docs/API.md).
import { createPrivateKey, randomUUID, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

// The error-detail messages, as docs/API.md gives them.
const doc = readFileSync(env("LEDGER_API_DOC"), "utf8");
const block = /<!-- error-details-proto -->\s*```proto\n([\s\S]*?)```/.exec(doc);
if (!block) throw new Error("docs/API.md has no error-details-proto block");
const details = new protobuf.Root();
details.addJSON(protobuf.common["google/protobuf/any.proto"].nested);
details.addJSON(protobuf.common["google/protobuf/duration.proto"].nested);
protobuf.parse(block[1], details, { keepCase: true });
details.resolveAll();
const Status = details.lookupType("google.rpc.Status");

const definition = protoLoader.loadSync("ledger/issuance/v1/issuance.proto", {
  includeDirs: [env("LEDGER_PROTOS")],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
});
const { Licenses } = grpc.loadPackageDefinition(definition).ledger.issuance.v1;
const licenses = new Licenses(env("LEDGER_ADDRESS"), grpc.credentials.createInsecure());
// A client token, minted as docs/API.md says: one per call, for the audience "issuance".
const jwk = JSON.parse(readFileSync(env("LEDGER_CLIENT_KEY"), "utf8"));
const privateKey = createPrivateKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d }, format: "jwk" });
function clientToken(audience) {
  const part = (json) => Buffer.from(JSON.stringify(json)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const input = `${part({ alg: "EdDSA", kid: jwk.kid, typ: "ledger-client+jwt" })}.` +
    part({ iss: env("LEDGER_CLIENT_ID"), aud: audience, iat: now, exp: now + 120, jti: randomUUID() });
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString("base64url")}`;
}

function call(rpc, request) {
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${clientToken("issuance")}`);
  return new Promise((resolve) => {
    licenses[rpc](request, metadata, { deadline: Date.now() + 30000 }, (error, response) => resolve({ error, response }));
  });
}

function describe(rpc, { error }) {
  if (!error) return { rpc, code: "OK" };
  const [bytes] = error.metadata.get("grpc-status-details-bin");
  const status = bytes ? Status.decode(bytes) : null;
  return {
    rpc,
    code: grpc.status[error.code],
    message: error.details,
    status_code: status?.code ?? null,
    details: (status?.details ?? []).map((any) => {
      const typeName = any.type_url.slice(any.type_url.lastIndexOf("/") + 1);
      const type = details.lookupType(typeName);
      return { type: typeName, value: type.toObject(type.decode(any.value), { longs: String, defaults: true }) };
    }),
  };
}

const results = [
  describe("IssueLicense", await call("IssueLicense", {
    idempotency_key: "node-client-1",
    terms: { customer_name: "Acme Corp", product: "flux-enterprise", audience: "acme-app", duration_days: 30 },
  })),
  describe("GetLicense", await call("GetLicense", { license_id: env("LEDGER_UNKNOWN_LICENSE_ID") })),
];
for (const result of results) console.log(JSON.stringify(result));
licenses.close();
