"""Secret shapes found in CI files, each with the values that must never leave the process.

Shared by the redaction unit tests, the crafted-repository tests (every output format and
the LLM path) and bench/redact_bench.py, which measures recall on the same shapes. Every
value is made up; none is a real credential.

Each shape is (id, a line as a CI file holds it, the secret parts that must disappear).
A secret with spaces lists a part of it as well, so that a half-redacted value fails.
"""

from __future__ import annotations

BASE64_KEY = ("hJRfdktzX0IkbZYP3EAHjUsrhubfR4O2d/nbutygPLGG5UXh41qWZ1u2gb7rho/KQvt4eGO7QyXc7"
              "ccB2RZzSP7jgVHTgLNnv0Z5/mwVE7euXZdiVDlzVSPbE+GvLwFA")
BASE64_PEM = ("LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBVEUgS0VZLS0tLS0KYjNCbGJuTnphQzFyWlhrdGRqRUFBQUFB"
              "Qkc1dmJtVUFBQUFFYm05dVpRQUFBQUFBQUFBQkFBQUFNd0FBQUF0emMyZ3RaVwo=")
BASE64_JSON = ("ewogICJ0eXBlIjogInNlcnZpY2VfYWNjb3VudCIsCiAgInByb2plY3RfaWQiOiAiZGVtby1wcm9qZWN0"
               "IiwKICAicHJpdmF0ZV9rZXlfaWQiOiAiM2YxYTljMGQiCn0=")
TEAMS_HOOK = ("https://contoso.webhook.office.com/webhookb2/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
              "@72f988bf-86f1-41af-91ab-2d7cd011db47/IncomingWebhook/9f8e7d6c5b4a39281706f5e4d3c2b1a0"
              "/0a1b2c3d-4e5f-6789-abcd-ef0123456789")

# The shapes issue 13 found sent in clear (item 8).
ISSUE_SHAPES: list[tuple[str, str, tuple[str, ...]]] = [
    ("quoted-with-spaces", 'export DB_PASSWORD="correct horse battery staple"',
     ("correct horse battery staple", "horse battery")),
    ("quoted-single", "DEPLOY_SECRET='open sesame 42' ./deploy.sh", ("open sesame 42", "sesame")),
    ("quoted-escaped", 'export API_TOKEN="ab\\"cd ef12 gh34"', ("ef12 gh34", "ef12")),
    ("powershell-env", '$env:AZURE_CLIENT_SECRET = "Zx9tR4 mQ2pLw8"', ("Zx9tR4 mQ2pLw8", "mQ2pLw8")),
    ("powershell-env-bare", "$env:NUGET_API_KEY='oy2hdm7kq4nzx5ffwdf'", ("oy2hdm7kq4nzx5ffwdf",)),
    ("docker-password-stdin",
     'echo "S3cr3t-Docker-Pw" | docker login -u ci --password-stdin registry.example.com',
     ("S3cr3t-Docker-Pw",)),
    ("printf-password-stdin",
     "printf '%s' 'hunter2hunter2' | podman login quay.io -u bot --password-stdin",
     ("hunter2hunter2",)),
    ("herestring-password-stdin",
     "docker login ghcr.io -u bot --password-stdin <<< 'Herestr1ngPw'", ("Herestr1ngPw",)),
    ("netrc-one-line",
     'echo "machine github.com login ci-bot password N3tRcPa55w0rd" > ~/.netrc',
     ("N3tRcPa55w0rd",)),
    ("netrc-lines", ("cat > ~/.netrc <<EOF\nmachine api.example.com\n  login deploy\n"
                    "  password netrcSecretValue\nEOF"), ("netrcSecretValue",)),
    ("gpg-passphrase", 'gpg --batch --yes --passphrase "gpg pass phrase" -d key.gpg',
     ("gpg pass phrase", "pass phrase")),
    ("gpg-passphrase-bare", "gpg --pinentry-mode loopback --passphrase Gp9Passphr4se --sign",
     ("Gp9Passphr4se",)),
    ("keytool", ("keytool -importkeystore -srckeystore in.p12 -srcstorepass St0rePass1 "
                "-deststorepass D3stPass2 -keypass K3yPass3 -destkeystore out.jks"),
     ("St0rePass1", "D3stPass2", "K3yPass3")),
    ("keytool-storepass", "keytool -list -keystore release.jks -storepass android123",
     ("android123",)),
    ("az-login", "az login --service-principal -u 0c2e5f7a-app -p Az9Pw~secretValue --tenant t",
     ("Az9Pw~secretValue",)),
    ("lftp", "lftp -u deploy,Lftp5ecretPw sftp://files.example.com -e 'mirror -R dist /www'",
     ("Lftp5ecretPw",)),
    ("lftp-open", 'lftp -e "set ssl:verify-certificate no; open -u deploy,0penPassw0rd ftp.ex.com"',
     ("0penPassw0rd",)),
    ("htpasswd", "htpasswd -b -c /etc/nginx/.htpasswd admin Htp4sswdValue", ("Htp4sswdValue",)),
    ("htpasswd-n", "htpasswd -nbB admin Htp4sswdOther > auth/htpasswd", ("Htp4sswdOther",)),
    ("base64-key", f"echo {BASE64_KEY} | base64 -d > signing.key", (BASE64_KEY, BASE64_KEY[:40])),
    ("base64-pem", f'echo "{BASE64_PEM}" | base64 --decode > ~/.ssh/id_ed25519',
     (BASE64_PEM, BASE64_PEM[:30])),
    ("base64-json", f"echo '{BASE64_JSON}' | base64 -d > gcp.json", (BASE64_JSON, BASE64_JSON[:30])),
    ("vault-legacy", "vault login s.9tYhQ2Kx7LmN3pR5sT8vW1zA", ("9tYhQ2Kx7LmN3pR5sT8vW1zA",)),
    ("teams-webhook", f"curl -H 'Content-Type: application/json' -d @msg.json {TEAMS_HOOK}",
     ("9f8e7d6c5b4a39281706f5e4d3c2b1a0", "72f988bf-86f1-41af-91ab-2d7cd011db47")),
    ("teams-legacy", ("curl -d @m.json https://outlook.office.com/webhook/a1b2c3d4-e5f6/"
                     "IncomingWebhook/0f1e2d3c4b5a69788796a5b4c3d2e1f0/9a8b7c6d"),
     ("0f1e2d3c4b5a69788796a5b4c3d2e1f0",)),
    ("url-password-at", "git clone https://deploy:p@ssw0rd!x@git.example.com/team/repo.git",
     ("p@ssw0rd!x", "ssw0rd!x")),
    ("env-block-next-line", "env:\n  DB_PASSWORD: hunter22x", ("hunter22x",)),
    ("openssl-passin", "openssl pkcs12 -in cert.p12 -passin pass:Pkcs12Secret -nodes",
     ("Pkcs12Secret",)),
]

# Shapes redacted before issue 13 (kept so that recall is measured on all of them).
EARLIER_SHAPES: list[tuple[str, str, tuple[str, ...]]] = [
    ("github-url", "git push https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r",
     ("ghp_abcdefghijklmnopqrstuvwxyz0123456789",)),
    ("github-pat", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGH",
     ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGH",)),
    ("aws-key-id", "aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE",
     ("AKIAIOSFODNN7EXAMPLE",)),
    ("aws-secret", "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",)),
    ("slack-token", "curl -d token=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx x",
     ("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",)),
    ("slack-webhook", "curl https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXX",
     ("T00000000/B00000000/XXXXXXXXXXXXXXXXXXXX",)),
    ("google-key", "GOOGLE_KEY: AIzaSyA1234567890abcdefghijklmnopqrstuv",
     ("AIzaSyA1234567890abcdefghijklmnopqrstuv",)),
    ("openai-key", "OPENAI=sk-proj-AbCdEf1234567890GhIjKl1234567890MnOpQr",
     ("sk-proj-AbCdEf1234567890GhIjKl1234567890MnOpQr",)),
    ("stripe-key", "stripe listen --api-key sk_live_4eC39HqLyjWDarjtT1zdp7dc",
     ("sk_live_4eC39HqLyjWDarjtT1zdp7dc",)),
    ("gitlab-header", "curl --header PRIVATE-TOKEN:glpat-xxxxxxxxxxxxxxxxxxxx1234 gitlab.com",
     ("glpat-xxxxxxxxxxxxxxxxxxxx1234",)),
    ("npmrc", "echo //registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789 > .npmrc",
     ("npm_abcdefghijklmnopqrstuvwxyz0123456789",)),
    ("bearer-jwt", ("curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
                   "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U' api"),
     ("dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",)),
    ("private-key", ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
                    "-----END OPENSSH PRIVATE KEY-----"), ("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",)),
    ("url-password", "psql postgres://admin:Sup3rS3cret@db.example.com:5432/app", ("Sup3rS3cret",)),
    ("secret-name", "DATABASE_PASSWORD=correct-horse-battery", ("correct-horse-battery",)),
    ("yaml-password", "password: hunter22", ("hunter22",)),
    ("json-secret", '{"client_secret": "a1b2c3d4e5f6"}', ("a1b2c3d4e5f6",)),
    ("password-flag", "docker login -u me --password s3cr3tPassw0rd registry.example.com",
     ("s3cr3tPassw0rd",)),
    ("docker-p", "docker login -u me -p Dock3rPw registry.example.com", ("Dock3rPw",)),
    ("mysql-p", "mysql -h db -u root -pMy5qlRootPw app < dump.sql", ("My5qlRootPw",)),
    ("curl-user", "curl -u admin:Curl9Secret https://nexus.example.com", ("Curl9Secret",)),
    ("query-key", "curl https://api.example.com/v1/x?api_key=9f8e7d6c5b4a39281706&y=1",
     ("9f8e7d6c5b4a39281706",)),
    ("azure-conn", ("az storage blob upload --connection-string 'DefaultEndpointsProtocol=https;"
                   "AccountName=x;AccountKey=AbCdEfGh1234567890+/IjKlMnOpQrStUv=='"),
     ("AbCdEfGh1234567890+/IjKlMnOpQrStUv==",)),
    ("random-assignment", "export BUILD_SIGNATURE=Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkw",
     ("Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkw",)),
]

ALL_SHAPES = ISSUE_SHAPES + EARLIER_SHAPES

# Ordinary CI text that must come back unchanged (no false positives in what people read).
ORDINARY: list[str] = [
    "pip install -r requirements.txt && pytest -q",
    "uses: actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab",
    "token: ${{ secrets.GITHUB_TOKEN }}",
    "NPM_TOKEN: ${{ secrets.NPM_TOKEN }}",
    "docker login -u $USER --password $DOCKER_PASSWORD",
    'echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin',
    "echo ${{ secrets.GITHUB_TOKEN }} | gh auth login --with-token",
    '$env:API_KEY = "$env:SECRET_FROM_VAULT"',
    'gpg --batch --passphrase "$GPG_PASSPHRASE" --decrypt key.gpg',
    "keytool -list -keystore k.jks -storepass:env STORE_PASS",
    "export API_KEY=$API_KEY",
    "echo %PASSWORD%",
    "image: node:18-alpine",
    "docker pull ghcr.io/o/img@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "key: ${{ runner.os }}-pip-${{ hashFiles('**/requirements.txt') }}",
    "mkdir -p build && cmake -S . -B build",
    "docker run -p 8080:80 -u node nginx",
    "echo author: John compass=North",
    "git clone https://github.com/o/r.git",
    "TOKEN_FILE=/run/secrets/token",
    'git commit -m "Release notes for the Quarterly Update 42"',
    'MESSAGE="Deploy to Production Environment Now"',
    "ls src/components/UserProfileCard/index && cat refs/heads/feature/ABC-1234-add-login",
    "echo s.toString() && python -c 'import os.path'",
    "machine learning model training",
]
