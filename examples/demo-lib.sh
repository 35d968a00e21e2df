# Shell helpers shared by the demo stages (sourced, not run).

# listening FILE FIELD: wait for a simulator's sim.listening record in FILE and print one
# of its fields (url, ws_url, rest_url).
listening() {
  local file=$1 field=$2 i
  for i in $(seq 1 300); do
    if grep -q '"sim.listening"' "$file" 2>/dev/null; then
      grep -m1 '"sim.listening"' "$file" | sed -n "s/.*\"$field\":\"\\([^\"]*\\)\".*/\\1/p"
      return 0
    fi
    sleep 0.1
  done
  echo "simulator did not start: no sim.listening in $file" >&2
  return 1
}

# await_records FILE TYPE N: wait (up to 2 minutes) until FILE holds N records of TYPE.
await_records() {
  local file=$1 type=$2 n=$3 i
  for i in $(seq 1 1200); do
    [ "$(grep -c "\"type\":\"$type\"" "$file" 2>/dev/null || true)" -ge "$n" ] && return 0
    sleep 0.1
  done
  echo "no $n $type records in $file after 2 minutes" >&2
  return 1
}

# kalshi_keys DIR: a throwaway RSA key pair for the Kalshi simulator (private key 0600).
kalshi_keys() {
  node -e '
    const c = require("crypto"), fs = require("fs"), dir = process.argv[1];
    const k = c.generateKeyPairSync("rsa", { modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
    fs.writeFileSync(dir + "/kalshi.key.pem", k.privateKey, { mode: 0o600 });
    fs.writeFileSync(dir + "/kalshi.pub.pem", k.publicKey);' "$1"
}

# count FILE TYPE: how many records of TYPE the file holds.
count() { grep -c "\"type\":\"$2\"" "$1" || true; }
