"""What `SalesforceAuth` asks the token endpoint for: the JWT's audience is Salesforce's login server
of the org's kind, never the URL the token is asked from, and the password flow names a real
connected app."""

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from callbot.crm.salesforce_auth import SalesforceAuth, jwt_assertion

PRODUCTION, SANDBOX = "https://login.salesforce.com", "https://test.salesforce.com"


@pytest.fixture(scope="module")
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.mark.parametrize("login_url, audience", [
    ("https://login.salesforce.com", PRODUCTION),
    ("https://test.salesforce.com/", SANDBOX),
    ("https://acme.my.salesforce.com", PRODUCTION),
    ("https://acme-dev-ed.develop.my.salesforce.com", PRODUCTION),
    ("https://acme--uat.sandbox.my.salesforce.com", SANDBOX),
    ("https://acme--uat.my.salesforce.com", SANDBOX),  # a sandbox without enhanced domains
    ("https://flow-speed-1234-dev-ed.scratch.my.salesforce.com", SANDBOX),
    ("http://127.0.0.1:8123", PRODUCTION),  # the local fake org
])
def test_the_audience_is_the_login_server_of_the_orgs_kind(login_url, audience, private_key_pem):
    auth = SalesforceAuth(login_url=login_url, username="bot@acme.test", client_id="3MVG9-key",
                          private_key_pem=private_key_pem)
    claims = jwt.decode(jwt_assertion(auth), options={"verify_signature": False})
    assert claims["aud"] == audience
    assert (claims["iss"], claims["sub"]) == ("3MVG9-key", "bot@acme.test")


@pytest.mark.parametrize("sandbox, audience", [(True, SANDBOX), (False, PRODUCTION)])
def test_the_sandbox_setting_overrides_what_the_url_suggests(sandbox, audience, private_key_pem):
    auth = SalesforceAuth(login_url="https://sso.acme.example", sandbox=sandbox, username="bot@acme.test",
                          client_id="3MVG9-key", private_key_pem=private_key_pem)
    assert auth.audience == audience


@pytest.mark.parametrize("flow", [{"private_key_pem": "-----BEGIN PRIVATE KEY-----"}, {"password": "p"}])
def test_both_flows_need_the_connected_apps_consumer_key(flow):
    with pytest.raises(ValueError, match="client_id"):
        SalesforceAuth(username="bot@acme.test", **flow)
