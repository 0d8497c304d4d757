//! `connector-spec/power-automate/readme.md`: the readme the certification asks for (the sections
//! of `templates/certified-connectors/readme.md` in microsoft/PowerPlatformConnectors), with the
//! operations listed from the generated definition.

use serde_json::Value;

use super::{BASE_URL, PRIVACY_POLICY, WEBSITE};

const HEAD: &str = r#"# edge-verify

edge-verify is a self-hosted phone and email verification service (one-time passcodes) that runs
on your own Cloudflare account and speaks the Twilio Verify v2 protocol. This connector sends a
code by SMS, voice call, email or WhatsApp and checks the code your user typed, against your
deployment, with your deployment's credentials.

## Publisher: edge-verify maintainers

## Prerequisites

- An edge-verify deployment reachable over HTTPS (see the project's `docs/deploy.md`), with a
  delivery provider configured for the channels you use.
- An account SID and auth token of that deployment, or better an API key (`SK...`) and its
  secret created for automations.
- A verification service (`VA...`); the "Create a verification service" action makes one.
- A Power Automate or Power Apps plan that allows custom connectors.

## Supported Operations

"#;

const TAIL: &str = r#"## Obtaining Credentials

The connector uses HTTP Basic authentication against your own deployment: the credentials are
kept in the Power Platform connection and sent only to the deployment URL you give.

1. Deploy edge-verify and note its URL, e.g. `https://edge-verify.example.workers.dev`.
2. Create an API key with the main account's SID and auth token:
   `curl -u AC...:token -X POST https://<your deployment>/2010-04-01/Accounts/AC.../Keys.json -d FriendlyName=power-automate`.
   The answer holds the key SID (`SK...`) and its secret, shown only once.
3. Create a connection: Deployment URL = the URL of step 1 with `https://` and without a trailing
   slash; Account SID or API key SID = `SK...`; Auth token or API key secret = the secret. The
   connection is tested at once by listing one verification service, so a wrong URL or secret is
   refused there.

## Getting Started

1. Add "Start a verification": pick the service, give To (`+14155550100` or an email address) and
   the channel. The code is sent; the output's Status is `pending`.
2. Collect the code from your user (a form, an adaptive card, a Power Apps screen).
3. Add "Check a verification": the same service, the same To (or the verification SID from step 1),
   and the code. The output's Status is `approved` when the code is right, `pending` when not.
4. In the settings of both actions set the **Retry Policy** to **None**: a retried start sends
   another message, and a retried check counts as another attempt.

To react to verifications instead ("when a verification is approved, update the CRM row"), start
a flow with the trigger "When a verification event occurs": pick the service and the event
(Verification approved, or All events). Saving the flow subscribes it to the service; turning the
flow off or deleting it unsubscribes it. The trigger's outputs are the event: Event ID, Event
type, Verification SID, To, Status, Channel, Send attempts, Checks and Date created.

## Known Issues and Limitations

- **Set the retry policy to none on start and check.** Power Automate retries failed actions by
  default; a start that timed out after the message left would send the code again, and retried
  checks use up the five attempts a verification allows.
- A start to the same To within the code's lifetime re-sends the same code on the same
  verification; the sixth send answers 429 (error 60203). A sixth check answers 429 (60202).
- The Deployment URL must start with `https://` and have no trailing slash; a URL without the
  scheme cannot be called, so the connection test fails and the connection is not created.
- Optional fields left empty are not sent, so "Update a verification service" changes only the
  fields you fill in. Clearing a setting (setting it back to empty) is not possible from the
  card; use "Make an API call" with the REST route for that.
- The service pickers list up to 1,000 services; enter a SID by hand beyond that.
- The trigger receives each event at least once: a delivery that timed out is sent again with the
  same Event ID, so make the flow's first step tolerate repeats (for example, update the CRM row
  rather than append one). A service holds at most 10 webhooks, so at most 10 flows can watch one
  service. The flow does not check the delivery's signature (`X-Edge-Verify-Signature`); its
  callback URL is secret and signed by Power Automate.
- "Make an API call" returns the inner response's body as an object: JSON bodies are available as
  dynamic content only through expressions (`body('Make_an_API_call')?['body']`) or Parse JSON.
- Error responses (400, 401, 403, 404, 429, 502) carry the Twilio error body (`code`, `message`,
  `more_info`, `status`); it is not in dynamic content. Read it with
  `outputs('<action>')?['body/message']` in a step that runs after a failure.
- The maintainers have checked the definition against Microsoft's published validator rules with
  tests, not in every Power Automate region; report what you find.

## Privacy

The connector talks only to the deployment whose URL you give. Phone numbers, email addresses and
codes go from Power Automate to your deployment and from there to the delivery provider you
configured (for example Twilio or SendGrid); the edge-verify project receives nothing. What your
deployment stores, and for how long, is described in the project's `docs/limits.md` and
`docs/design.md`.

## Frequently Asked Questions

### Does this connector use Twilio?

Only if your deployment is configured to deliver through Twilio. The connector speaks to your
edge-verify deployment, which is compatible with Twilio Verify's API.

### Why does my flow send two codes?

The start action was retried. Set its retry policy to none (see Known Issues and Limitations).

## Deployment Instructions

Create the custom connector from the two files in this folder, in the portal or with the
Power Platform Connectors CLI:

```sh
pip install paconn
paconn login
paconn create --api-def apiDefinition.swagger.json --api-prop apiProperties.json
```

`paconn create` keeps the Deployment URL connection parameter and the "Set host URL" policy
(`@connectionParameters('BASE_URL')`), so one connector serves every deployment.

Without the CLI, import `apiDefinition.swagger.json` in the portal (Custom connectors, New custom
connector, Import an OpenAPI file). The portal does not import `apiProperties.json`: set Host on
the General tab to your deployment's host name (without `https://`), keep Basic authentication
on the Security tab, and create the connector. That connector calls that one deployment.
A step-by-step walkthrough is in the project's
`docs/platforms/power-automate.md`.
"#;

/// The readme for the definition `swagger`.
pub fn readme(swagger: &Value) -> String {
    let mut operations = String::new();
    for item in swagger["paths"].as_object().into_iter().flatten().map(|(_, item)| item) {
        for op in item.as_object().into_iter().flatten().map(|(_, op)| op) {
            if op["x-ms-visibility"] == "internal" {
                continue;
            }
            let summary = op["summary"].as_str().unwrap_or("");
            let description = op["description"].as_str().unwrap_or("");
            operations.push_str(&format!("### {summary}\n\n{description}\n\n"));
        }
    }
    let tail = TAIL.replace("BASE_URL", BASE_URL);
    let links = format!("Project: {WEBSITE}. Privacy statement: {PRIVACY_POLICY}.\n");
    format!("{HEAD}{operations}{tail}\n{links}")
}
