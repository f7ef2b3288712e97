"""Secrets never leave the machine: every shape we know is redacted, references stay."""

from __future__ import annotations

import pytest

from xops_lens.redact import entropy, looks_random, redact, redact_count

# (text containing a secret, the secret value that must disappear)
SECRETS: list[tuple[str, str]] = [
    ("git push https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r",
     "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    ("GH_TOKEN=gho_16C7e42F292c6912E7710c838347Ae178B4a gh release create",
     "gho_16C7e42F292c6912E7710c838347Ae178B4a"),
    ("token ghs_0123456789abcdefABCDEF0123456789abcd", "ghs_0123456789abcdefABCDEF0123456789abcd"),
    ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGH",
     "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGH"),
    ("aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    ("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("curl -d token=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx slack.com",
     "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
    ("curl -X POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
     "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
    ("GOOGLE_KEY: AIzaSyA1234567890abcdefghijklmnopqrstuv",
     "AIzaSyA1234567890abcdefghijklmnopqrstuv"),
    ("OPENAI=sk-proj-AbCdEf1234567890GhIjKl1234567890MnOpQr", "sk-proj-AbCdEf1234567890GhIjKl1234567890MnOpQr"),
    ("sk-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH",
     "sk-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH"),
    ("stripe listen --api-key sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("curl --header PRIVATE-TOKEN:glpat-xxxxxxxxxxxxxxxxxxxx1234 gitlab.com",
     "glpat-xxxxxxxxxxxxxxxxxxxx1234"),
    ("echo //registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789 > .npmrc",
     "npm_abcdefghijklmnopqrstuvwxyz0123456789"),
    ("twine upload -p pypi-AgEIcHlwaS5vcmcCJDAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA dist/*",
     "pypi-AgEIcHlwaS5vcmcCJDAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA"),
    (("curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
     "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U' api"), "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
    ("curl -H \"Authorization: token 0123456789abcdef0123\" api", "0123456789abcdef0123"),
    (("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
     "-----END OPENSSH PRIVATE KEY-----"), "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"),
    ("echo '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAunterminated", "MIIEpAIBAAKCAQEAunterminated"),
    ("psql postgres://admin:Sup3rS3cret@db.example.com:5432/app", "Sup3rS3cret"),
    ("pip install --index-url https://user:hunter2pass@pypi.example.com/simple pkg",
     "hunter2pass"),
    ("git clone https://oauth2:glXYZ987654321abcdefghij@gitlab.example.com/g/p.git",
     "glXYZ987654321abcdefghij"),
    ("DATABASE_PASSWORD=correct-horse-battery", "correct-horse-battery"),
    ("password: hunter22", "hunter22"),
    ('{"client_secret": "a1b2c3d4e5f6"}', "a1b2c3d4e5f6"),
    ("docker login -u me --password s3cr3tPassw0rd registry.example.com", "s3cr3tPassw0rd"),
    ("mytool --api-key=Zq8LmN4pR7sT2vW9 run", "Zq8LmN4pR7sT2vW9"),
    ("export BUILD_SIGNATURE=Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkw", "Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkw"),
    ("curl https://api.example.com/v1/x?api_key=9f8e7d6c5b4a39281706&y=1", "9f8e7d6c5b4a39281706"),
    (("az storage blob upload --connection-string "
     "'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=AbCdEfGh1234567890+/IjKlMnOpQrStUv=='"),
     "AbCdEfGh1234567890+/IjKlMnOpQrStUv=="),
    ("HF_TOKEN=hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567 python push.py",
     "hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567"),
    ("echo H4sIAAAAAAAAA3N0dHRQ8HKsKMnMS1Uozy/KSQEAAcbZ6hgAAAA9Xy | base64 -d",
     "H4sIAAAAAAAAA3N0dHRQ8HKsKMnMS1Uozy/KSQEAAcbZ6hgAAAA9Xy"),
]


@pytest.mark.parametrize(("text", "secret"), SECRETS, ids=[s[1][:12] for s in SECRETS])
def test_secret_is_redacted(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert "[REDACTED:" in out


def test_redaction_is_deterministic_and_idempotent() -> None:
    text = "\n".join(t for t, _ in SECRETS)
    once = redact(text)
    assert redact(text) == once
    assert redact(once) == once


def test_redact_count() -> None:
    out, count = redact_count("a=AKIAIOSFODNN7EXAMPLE b=ghp_abcdefghijklmnopqrstuvwxyz0123456789")
    assert count == 2 and "AKIA" not in out


def test_entropy_helpers() -> None:
    assert entropy("aaaa") == 0
    assert looks_random("Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkw")
    assert not looks_random("node_modules_cache_directory")
    assert not looks_random("8e5e7e5ab8b370d6c329ec480221332ada57f0ab")


def test_named_values_under_secret_names_go() -> None:
    from xops_lens.redact import redact_pair

    assert redact_pair("password", "plainPassword1") == "[REDACTED:secret]"
    assert redact_pair("api-key", "abcd1234") == "[REDACTED:secret]"
    assert redact_pair("token", "${{ secrets.TOKEN }}") == "${{ secrets.TOKEN }}"
    assert redact_pair("python-version", "3.12") == "3.12"
    assert redact_pair("token-file", "/tmp/token") == "/tmp/token"


# -- issue 13: the shapes that were sent in clear, and what must stay ----------------------

from tests.secret_shapes import ALL_SHAPES, ISSUE_SHAPES, ORDINARY


@pytest.mark.parametrize(("text", "secrets"), [(t, s) for _, t, s in ISSUE_SHAPES],
                         ids=[sid for sid, _, _ in ISSUE_SHAPES])
def test_issue_13_shape_is_redacted(text: str, secrets: tuple[str, ...]) -> None:
    out = redact(text)
    assert "[REDACTED:" in out
    for secret in secrets:
        assert secret not in out


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_lines_and_references_are_kept(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(("text", "secrets"), [(t, s) for _, t, s in ALL_SHAPES],
                         ids=[sid for sid, _, _ in ALL_SHAPES])
def test_every_shape_is_redacted_once_and_for_all(text: str, secrets: tuple[str, ...]) -> None:
    once = redact(text)
    assert redact(once) == once
    # The same line inside a longer script (other lines around it, a CRLF file).
    script = f"set -e\r\n{text}\r\nmake deploy\r\n"
    out = redact(script)
    assert all(secret not in out for secret in secrets)
    assert out.startswith("set -e\r\n") and out.endswith("\r\nmake deploy\r\n")


def test_what_around_a_redacted_value_stays() -> None:
    assert redact('export DB_PASSWORD="correct horse" && ./run') == \
        'export DB_PASSWORD="[REDACTED:secret]" && ./run'
    assert redact("git clone https://deploy:p@ss@git.example.com/r.git") == \
        "git clone https://deploy:[REDACTED:password]@git.example.com/r.git"
    assert redact("echo 'pw12345' | docker login -u me --password-stdin r.io") == \
        "echo '[REDACTED:secret]' | docker login -u me --password-stdin r.io"
    # a plain echo piped elsewhere, a Vault-like attribute chain and -p of other tools stay
    for kept in ("echo hello | grep -q hello", "s.getInstanceOfFactoryBuilder()",
                 "docker run -p 8080:80 img", "ps -u root,daemon"):
        assert redact(kept) == kept


def test_redact_pipeline_redacts_every_text_a_format_took_from_the_file() -> None:
    from xops_lens.model import Job, Pipeline, Step, Trigger
    from xops_lens.redact import redact_pipeline

    token = "glpat-PlantedGitlab0123456789"
    step = Step("ci.yml", 3, f"job {token}", f"curl -H 'PRIVATE-TOKEN: {token}' x",
                f"curl -H 'PRIVATE-TOKEN: {token}' x", uses=f"o/a@{token}",
                inputs=(("password", "Htp4sswdValue"), ("path", "dist")))
    job = Job(f"job {token}", f"job {token}", "ci.yml", 1, steps=(step,),
              environment=f"env-{token}", notes=(f"note {token}",), needs=(f"x {token}",))
    pipeline = Pipeline("ci.yml", "gitlab-ci", jobs=(job,), notes=(f"n {token}",),
                        triggers=(Trigger(f"push {token}", 1),))
    out = redact_pipeline(pipeline)
    assert token not in repr(out) and "Htp4sswdValue" not in repr(out)
    assert out.jobs[0].steps[0].inputs[1] == ("path", "dist")
    assert out.path == "ci.yml" and out.jobs[0].steps[0].line == 3
    clean = Pipeline("ci.yml", "gitlab-ci", jobs=(Job("build", "build", "ci.yml", 1, steps=(
        Step("ci.yml", 2, "build", "make", "make"),)),))
    assert redact_pipeline(clean) is clean  # nothing to redact: nothing rebuilt
