#!/usr/bin/env bash
# riposte deploy plan (test)
# Deploys router, capture, isolator, node-capturer, notifier, pod-killer, scc-exporter, tainter to project acme-prod, region europe-west1.
# Derived from the service descriptors; run from the repository root, or let --apply run it.
set -euo pipefail

# 0. Preflight: nothing is created or changed unless every check passes (the same checks as --apply)
preflight_failed=0
preflight_fail() { echo "preflight: $*" >&2; preflight_failed=1; }
ACCOUNT="$(gcloud auth list --filter=status:ACTIVE --format='value(account)' 2>/dev/null | head -n 1)" || true
if [ -z "$ACCOUNT" ]; then
  preflight_fail 'gcloud is not logged in: gcloud auth login'
elif ! gcloud projects describe acme-prod --format='value(projectId)' >/dev/null 2>&1; then
  preflight_fail 'project acme-prod is not reachable as '"$ACCOUNT"': check --project (gcloud projects list) and that '"$ACCOUNT"' may see it'
else
  if enabled="$(gcloud services list --enabled --project=acme-prod --format='value(config.name)')"; then
    for api in run.googleapis.com cloudbuild.googleapis.com artifactregistry.googleapis.com iam.googleapis.com pubsub.googleapis.com cloudtrace.googleapis.com telemetry.googleapis.com container.googleapis.com securitycenter.googleapis.com secretmanager.googleapis.com firestore.googleapis.com cloudscheduler.googleapis.com; do
      grep -qx "$api" <<<"$enabled" || echo "note: $api is not enabled yet; step 1 enables it" >&2
    done
  else
    preflight_fail 'cannot list the APIs enabled on acme-prod: enable serviceusage.googleapis.com and grant '"$ACCOUNT"' roles/serviceusage.serviceUsageConsumer'
  fi
  if granted="$(curl -sS --fail -X POST -H "Authorization: Bearer $(gcloud auth print-access-token)" -H 'Content-Type: application/json' --data '{"permissions":["serviceusage.services.enable","iam.serviceAccounts.create","iam.serviceAccounts.setIamPolicy","iam.serviceAccounts.actAs","resourcemanager.projects.setIamPolicy","pubsub.topics.create","pubsub.topics.setIamPolicy","pubsub.subscriptions.create","pubsub.subscriptions.setIamPolicy","run.services.create","run.services.setIamPolicy","cloudbuild.builds.create","artifactregistry.repositories.create","container.clusters.getCredentials","container.clusterRoles.create","container.clusterRoleBindings.create","secretmanager.secrets.setIamPolicy","datastore.databases.create","datastore.databases.getMetadata","datastore.indexes.update","cloudscheduler.jobs.create","cloudscheduler.jobs.update","storage.buckets.create","storage.buckets.get","storage.buckets.update","storage.buckets.setIamPolicy","container.namespaces.create","container.serviceAccounts.create"]}' https://cloudresourcemanager.googleapis.com/v1/projects/acme-prod:testIamPermissions)"; then
    grep -q '"serviceusage.services.enable"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks serviceusage.services.enable on project acme-prod (e.g. roles/serviceusage.serviceUsageAdmin)'
    grep -q '"iam.serviceAccounts.create"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks iam.serviceAccounts.create on project acme-prod (e.g. roles/iam.serviceAccountAdmin)'
    grep -q '"iam.serviceAccounts.setIamPolicy"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks iam.serviceAccounts.setIamPolicy on project acme-prod (e.g. roles/iam.serviceAccountAdmin)'
    grep -q '"iam.serviceAccounts.actAs"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks iam.serviceAccounts.actAs on project acme-prod (e.g. roles/iam.serviceAccountUser)'
    grep -q '"resourcemanager.projects.setIamPolicy"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks resourcemanager.projects.setIamPolicy on project acme-prod (e.g. roles/resourcemanager.projectIamAdmin)'
    grep -q '"pubsub.topics.create"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks pubsub.topics.create on project acme-prod (e.g. roles/pubsub.admin)'
    grep -q '"pubsub.topics.setIamPolicy"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks pubsub.topics.setIamPolicy on project acme-prod (e.g. roles/pubsub.admin)'
    grep -q '"pubsub.subscriptions.create"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks pubsub.subscriptions.create on project acme-prod (e.g. roles/pubsub.admin)'
    grep -q '"pubsub.subscriptions.setIamPolicy"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks pubsub.subscriptions.setIamPolicy on project acme-prod (e.g. roles/pubsub.admin)'
    grep -q '"run.services.create"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks run.services.create on project acme-prod (e.g. roles/run.admin)'
    grep -q '"run.services.setIamPolicy"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks run.services.setIamPolicy on project acme-prod (e.g. roles/run.admin)'
    grep -q '"cloudbuild.builds.create"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks cloudbuild.builds.create on project acme-prod (e.g. roles/cloudbuild.builds.editor)'
    grep -q '"artifactregistry.repositories.create"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks artifactregistry.repositories.create on project acme-prod (e.g. roles/artifactregistry.admin)'
    grep -q '"container.clusters.getCredentials"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks container.clusters.getCredentials on project acme-prod (e.g. roles/container.admin)'
    grep -q '"container.clusterRoles.create"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks container.clusterRoles.create on project acme-prod (e.g. roles/container.admin)'
    grep -q '"container.clusterRoleBindings.create"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks container.clusterRoleBindings.create on project acme-prod (e.g. roles/container.admin)'
    grep -q '"secretmanager.secrets.setIamPolicy"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks secretmanager.secrets.setIamPolicy on project acme-prod (e.g. roles/secretmanager.admin)'
    grep -q '"datastore.databases.create"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks datastore.databases.create on project acme-prod (e.g. roles/datastore.owner)'
    grep -q '"datastore.databases.getMetadata"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks datastore.databases.getMetadata on project acme-prod (e.g. roles/datastore.owner)'
    grep -q '"datastore.indexes.update"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks datastore.indexes.update on project acme-prod (e.g. roles/datastore.indexAdmin)'
    grep -q '"cloudscheduler.jobs.create"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks cloudscheduler.jobs.create on project acme-prod (e.g. roles/cloudscheduler.admin)'
    grep -q '"cloudscheduler.jobs.update"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks cloudscheduler.jobs.update on project acme-prod (e.g. roles/cloudscheduler.admin)'
    grep -q '"storage.buckets.create"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks storage.buckets.create on project acme-prod (e.g. roles/storage.admin)'
    grep -q '"storage.buckets.get"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks storage.buckets.get on project acme-prod (e.g. roles/storage.admin)'
    grep -q '"storage.buckets.update"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks storage.buckets.update on project acme-prod (e.g. roles/storage.admin)'
    grep -q '"storage.buckets.setIamPolicy"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks storage.buckets.setIamPolicy on project acme-prod (e.g. roles/storage.admin)'
    grep -q '"container.namespaces.create"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks container.namespaces.create on project acme-prod (e.g. roles/container.admin)'
    grep -q '"container.serviceAccounts.create"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks container.serviceAccounts.create on project acme-prod (e.g. roles/container.admin)'
  else
    preflight_fail 'cannot ask which permissions '"$ACCOUNT"' has on project acme-prod (testIamPermissions): is curl installed and the network reachable?'
  fi
  if granted="$(curl -sS --fail -X POST -H "Authorization: Bearer $(gcloud auth print-access-token)" -H 'Content-Type: application/json' --data '{"permissions":["resourcemanager.organizations.setIamPolicy"]}' https://cloudresourcemanager.googleapis.com/v1/organizations/123456789012:testIamPermissions)"; then
    grep -q '"resourcemanager.organizations.setIamPolicy"' <<<"$granted" || preflight_fail "$ACCOUNT"' lacks resourcemanager.organizations.setIamPolicy on organization 123456789012 (e.g. roles/resourcemanager.organizationAdmin)'
  else
    preflight_fail 'cannot ask which permissions '"$ACCOUNT"' has on organization 123456789012 (testIamPermissions): is curl installed and the network reachable?'
  fi
  gcloud secrets versions describe latest \
    --secret=riposte-slack-webhook \
    --project=acme-prod \
    --format='value(name)' >/dev/null 2>&1 ||
    preflight_fail 'notifier: SLACK_WEBHOOK_URL: secret riposte-slack-webhook (version latest) not found in project acme-prod, or '"$ACCOUNT"' may not read it: gcloud secrets versions list riposte-slack-webhook --project=acme-prod (--secret notifier:SLACK_WEBHOOK_URL=SECRET[:VERSION])'
  if ledger_database="$(gcloud firestore databases describe \
    --database='(default)' \
    --project=acme-prod \
    --format='value[separator=|](type,locationId)' 2>/dev/null)"; then
    IFS='|' read -r database_type database_location <<<"$ledger_database" || true
    case "$database_type" in
      FIRESTORE_NATIVE) ;;
      DATASTORE_MODE) preflight_fail 'database (default) of project acme-prod is in Datastore mode, which rejects the Firestore API the ledger uses: if nothing else uses it, switch it (gcloud firestore databases update --database='\''(default)'\'' --type=firestore-native --project=acme-prod); else give the ledger a database of its own: --env LEDGER_DATABASE=NAME (a new id; the plan creates it in Native mode)' ;;
      *) preflight_fail 'database (default) of project acme-prod has type '"$database_type"', not FIRESTORE_NATIVE: give the ledger a database of its own: --env LEDGER_DATABASE=NAME (a new id; the plan creates it in Native mode)' ;;
    esac
    database_location="$(tr '[:upper:]' '[:lower:]' <<<"$database_location")"
    if [ "$database_location" != europe-west1 ]; then
      preflight_fail 'database (default) of project acme-prod is in '"$database_location"', not europe-west1, and a database cannot move: deploy with --firestore-location '"$database_location"' to use it where it is, or give the ledger a database of its own: --env LEDGER_DATABASE=NAME (a new id; the plan creates it in Native mode)'
    fi
  fi
  own_project_number="$(gcloud projects describe acme-prod --format='value(projectNumber)' 2>/dev/null)" || true
  if bucket_settings="$(gcloud storage buckets describe gs://acme-prod-riposte-evidence \
    --raw \
    --format='value[separator=|](projectNumber,iamConfiguration.uniformBucketLevelAccess.enabled)' 2>/dev/null)"; then
    IFS='|' read -r bucket_project bucket_uniform <<<"$bucket_settings" || true
    if [ -z "$bucket_project" ] || [ "$bucket_project" != "$own_project_number" ]; then
      preflight_fail 'bucket gs://acme-prod-riposte-evidence exists and belongs to another project (number '"$bucket_project"'), not acme-prod: name another bucket with --evidence-bucket NAME'
    elif [ "$bucket_uniform" != True ]; then
      preflight_fail 'bucket gs://acme-prod-riposte-evidence exists without uniform bucket-level access (its objects'\'' ACLs could grant access): gcloud storage buckets update gs://acme-prod-riposte-evidence --uniform-bucket-level-access --project=acme-prod, or name another bucket with --evidence-bucket NAME'
    fi
  fi
  if settings="$(gcloud container clusters describe prod-eu \
    --location=europe-west1 \
    --project=acme-prod \
    --format='value[separator=|](privateClusterConfig.enablePrivateEndpoint,masterAuthorizedNetworksConfig.enabled,masterAuthorizedNetworksConfig.cidrBlocks[].cidrBlock)')"; then
    IFS='|' read -r private_endpoint authorized_networks authorized_ranges <<<"$settings" || true
    if [ "$private_endpoint" = True ]; then
      preflight_fail 'cluster prod-eu (europe-west1) has a private endpoint only: capture, isolator, node-capturer, pod-killer, tainter reach it from Cloud Run through Direct VPC egress: --network NETWORK --subnet SUBNET (the cluster'\''s VPC; README: Private clusters)'
    elif [ "$authorized_networks" = True ]; then
      preflight_fail 'cluster prod-eu (europe-west1) limits its public endpoint to master authorized networks, and Cloud Run calls it from addresses none can list: give it a private endpoint (--enable-private-endpoint) and deploy with --network/--subnet (README: Private clusters)'
    fi
  else
    preflight_fail 'cluster prod-eu (europe-west1) not found in project acme-prod (gcloud container clusters list --project=acme-prod): --cluster NAME[:LOCATION]'
  fi
fi
if [ "$preflight_failed" != 0 ]; then
  echo "preflight failed: nothing was created or changed" >&2
  exit 1
fi

# A grant naming a service account created moments ago can fail until IAM knows the account.
retry_iam() {
  for delay in 5 10 20 40 80; do
    "$@" && return 0
    echo "IAM may not know a new account yet: retrying in $delay seconds" >&2
    sleep "$delay"
  done
  "$@"
}

# 1. Enable the APIs: Cloud Run builds with Cloud Build into Artifact Registry; Pub/Sub carries every message; the rest follows from the descriptors
gcloud services enable run.googleapis.com cloudbuild.googleapis.com artifactregistry.googleapis.com iam.googleapis.com pubsub.googleapis.com cloudtrace.googleapis.com telemetry.googleapis.com container.googleapis.com securitycenter.googleapis.com secretmanager.googleapis.com firestore.googleapis.com cloudscheduler.googleapis.com \
  --project=acme-prod

# 2. Read the project number: the Pub/Sub service agent is service-<project number>@gcp-sa-pubsub.iam.gserviceaccount.com
PROJECT_NUMBER="$(gcloud projects describe acme-prod --format='value(projectNumber)')"

# 3. Create the service accounts: one identity per service, so each gets exactly its own permissions
gcloud iam service-accounts describe riposte-router@acme-prod.iam.gserviceaccount.com \
  --project=acme-prod >/dev/null 2>&1 ||
  gcloud iam service-accounts create riposte-router \
    --display-name='Riposte Router' \
    --description='Parses Falco alerts, evaluates playbooks and sends one command per action' \
    --project=acme-prod
gcloud iam service-accounts describe riposte-capture@acme-prod.iam.gserviceaccount.com \
  --project=acme-prod >/dev/null 2>&1 ||
  gcloud iam service-accounts create riposte-capture \
    --display-name='Riposte Capture' \
    --description='Keeps the evidence of an alert'\''s pod in Cloud Storage before it is killed' \
    --project=acme-prod
gcloud iam service-accounts describe riposte-isolator@acme-prod.iam.gserviceaccount.com \
  --project=acme-prod >/dev/null 2>&1 ||
  gcloud iam service-accounts create riposte-isolator \
    --display-name='Riposte Isolator' \
    --description='Cuts a pod off the network with a quarantine label and a deny-all NetworkPolicy' \
    --project=acme-prod
gcloud iam service-accounts describe riposte-node-capturer@acme-prod.iam.gserviceaccount.com \
  --project=acme-prod >/dev/null 2>&1 ||
  gcloud iam service-accounts create riposte-node-capturer \
    --display-name='Riposte Node Capturer' \
    --description='Runs a node-level capture of the alert'\''s container in a Job pinned to its node, uploaded to the evidence bucket' \
    --project=acme-prod
gcloud iam service-accounts describe riposte-notifier@acme-prod.iam.gserviceaccount.com \
  --project=acme-prod >/dev/null 2>&1 ||
  gcloud iam service-accounts create riposte-notifier \
    --display-name='Riposte Notifier' \
    --description='Announces alerts on Slack and signed SOAR webhooks, and follows up with action outcomes' \
    --project=acme-prod
gcloud iam service-accounts describe riposte-pod-killer@acme-prod.iam.gserviceaccount.com \
  --project=acme-prod >/dev/null 2>&1 ||
  gcloud iam service-accounts create riposte-pod-killer \
    --display-name='Riposte Pod Killer' \
    --description='Deletes the pod an alert names, guarded by its uid' \
    --project=acme-prod
gcloud iam service-accounts describe riposte-scc-exporter@acme-prod.iam.gserviceaccount.com \
  --project=acme-prod >/dev/null 2>&1 ||
  gcloud iam service-accounts create riposte-scc-exporter \
    --display-name='Riposte Scc Exporter' \
    --description='Writes one Security Command Center finding per incident and records the actions taken on it' \
    --project=acme-prod
gcloud iam service-accounts describe riposte-tainter@acme-prod.iam.gserviceaccount.com \
  --project=acme-prod >/dev/null 2>&1 ||
  gcloud iam service-accounts create riposte-tainter \
    --display-name='Riposte Tainter' \
    --description='Taints the node an alert names so nothing new is scheduled there' \
    --project=acme-prod
gcloud iam service-accounts describe riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
  --project=acme-prod >/dev/null 2>&1 ||
  gcloud iam service-accounts create riposte-pubsub-push \
    --display-name='Riposte Pub/Sub Push' \
    --description='Pub/Sub push subscriptions sign their requests as this account' \
    --project=acme-prod
gcloud iam service-accounts describe riposte-falcosidekick@acme-prod.iam.gserviceaccount.com \
  --project=acme-prod >/dev/null 2>&1 ||
  gcloud iam service-accounts create riposte-falcosidekick \
    --display-name='Riposte Falcosidekick' \
    --description='falcosidekick publishes Falco alerts to falco-events' \
    --project=acme-prod
gcloud iam service-accounts describe riposte-node-capture@acme-prod.iam.gserviceaccount.com \
  --project=acme-prod >/dev/null 2>&1 ||
  gcloud iam service-accounts create riposte-node-capture \
    --display-name='Riposte Node Capture' \
    --description='the capture Job uploads its file once (gcloud storage cp --if-generation-match=0)' \
    --project=acme-prod

# 4. Create the topics: from the topology: inputs, outputs, quarantine and one dead-letter topic per push subscription
gcloud pubsub topics describe falco-events --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create falco-events --project=acme-prod
gcloud pubsub topics describe quarantine --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create quarantine --project=acme-prod
gcloud pubsub topics describe pod-killer --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create pod-killer --project=acme-prod
gcloud pubsub topics describe isolator --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create isolator --project=acme-prod
gcloud pubsub topics describe tainter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create tainter --project=acme-prod
gcloud pubsub topics describe notifier --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create notifier --project=acme-prod
gcloud pubsub topics describe scc-exporter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create scc-exporter --project=acme-prod
gcloud pubsub topics describe capture --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create capture --project=acme-prod
gcloud pubsub topics describe node-capturer --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create node-capturer --project=acme-prod
gcloud pubsub topics describe router-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create router-dead-letter --project=acme-prod
gcloud pubsub topics describe action-outcomes --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create action-outcomes --project=acme-prod
gcloud pubsub topics describe capture-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create capture-dead-letter --project=acme-prod
gcloud pubsub topics describe isolator-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create isolator-dead-letter --project=acme-prod
gcloud pubsub topics describe node-capturer-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create node-capturer-dead-letter --project=acme-prod
gcloud pubsub topics describe notifier-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create notifier-dead-letter --project=acme-prod
gcloud pubsub topics describe notifier-action-outcomes-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create notifier-action-outcomes-dead-letter --project=acme-prod
gcloud pubsub topics describe pod-killer-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create pod-killer-dead-letter --project=acme-prod
gcloud pubsub topics describe scc-exporter-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create scc-exporter-dead-letter --project=acme-prod
gcloud pubsub topics describe scc-exporter-action-outcomes-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create scc-exporter-action-outcomes-dead-letter --project=acme-prod
gcloud pubsub topics describe tainter-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub topics create tainter-dead-letter --project=acme-prod

# 5. Grant each service its roles: least privilege: publisher on its own output topics only, the roles its descriptor declares, trace writing, its own secrets; run.builder for the account Cloud Build builds with
retry_iam gcloud pubsub topics add-iam-policy-binding pod-killer \
  --member=serviceAccount:riposte-router@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding isolator \
  --member=serviceAccount:riposte-router@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding tainter \
  --member=serviceAccount:riposte-router@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding notifier \
  --member=serviceAccount:riposte-router@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding scc-exporter \
  --member=serviceAccount:riposte-router@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding capture \
  --member=serviceAccount:riposte-router@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding node-capturer \
  --member=serviceAccount:riposte-router@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding quarantine \
  --member=serviceAccount:riposte-router@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-router@acme-prod.iam.gserviceaccount.com \
  --role=roles/telemetry.tracesWriter \
  --condition=None
retry_iam gcloud pubsub topics add-iam-policy-binding action-outcomes \
  --member=serviceAccount:riposte-capture@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding quarantine \
  --member=serviceAccount:riposte-capture@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-capture@acme-prod.iam.gserviceaccount.com \
  --role=roles/container.clusterViewer \
  --condition=None
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-capture@acme-prod.iam.gserviceaccount.com \
  --role=roles/telemetry.tracesWriter \
  --condition=None
retry_iam gcloud pubsub topics add-iam-policy-binding action-outcomes \
  --member=serviceAccount:riposte-isolator@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding quarantine \
  --member=serviceAccount:riposte-isolator@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-isolator@acme-prod.iam.gserviceaccount.com \
  --role=roles/container.clusterViewer \
  --condition=None
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-isolator@acme-prod.iam.gserviceaccount.com \
  --role=roles/telemetry.tracesWriter \
  --condition=None
retry_iam gcloud pubsub topics add-iam-policy-binding action-outcomes \
  --member=serviceAccount:riposte-node-capturer@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding quarantine \
  --member=serviceAccount:riposte-node-capturer@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-node-capturer@acme-prod.iam.gserviceaccount.com \
  --role=roles/container.clusterViewer \
  --condition=None
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-node-capturer@acme-prod.iam.gserviceaccount.com \
  --role=roles/telemetry.tracesWriter \
  --condition=None
retry_iam gcloud pubsub topics add-iam-policy-binding action-outcomes \
  --member=serviceAccount:riposte-notifier@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding quarantine \
  --member=serviceAccount:riposte-notifier@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-notifier@acme-prod.iam.gserviceaccount.com \
  --role=roles/telemetry.tracesWriter \
  --condition=None
retry_iam gcloud secrets add-iam-policy-binding riposte-slack-webhook \
  --member=serviceAccount:riposte-notifier@acme-prod.iam.gserviceaccount.com \
  --role=roles/secretmanager.secretAccessor \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding action-outcomes \
  --member=serviceAccount:riposte-pod-killer@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding quarantine \
  --member=serviceAccount:riposte-pod-killer@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-pod-killer@acme-prod.iam.gserviceaccount.com \
  --role=roles/container.clusterViewer \
  --condition=None
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-pod-killer@acme-prod.iam.gserviceaccount.com \
  --role=roles/telemetry.tracesWriter \
  --condition=None
retry_iam gcloud pubsub topics add-iam-policy-binding action-outcomes \
  --member=serviceAccount:riposte-scc-exporter@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding quarantine \
  --member=serviceAccount:riposte-scc-exporter@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud organizations add-iam-policy-binding 123456789012 \
  --member=serviceAccount:riposte-scc-exporter@acme-prod.iam.gserviceaccount.com \
  --role=roles/securitycenter.findingsEditor \
  --condition=None
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-scc-exporter@acme-prod.iam.gserviceaccount.com \
  --role=roles/telemetry.tracesWriter \
  --condition=None
retry_iam gcloud pubsub topics add-iam-policy-binding action-outcomes \
  --member=serviceAccount:riposte-tainter@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding quarantine \
  --member=serviceAccount:riposte-tainter@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-tainter@acme-prod.iam.gserviceaccount.com \
  --role=roles/container.clusterViewer \
  --condition=None
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-tainter@acme-prod.iam.gserviceaccount.com \
  --role=roles/telemetry.tracesWriter \
  --condition=None
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member="serviceAccount:${PROJECT_NUMBER}-compute@developer.gserviceaccount.com" \
  --role=roles/run.builder \
  --condition=None

# 6. Create the incident ledger (Firestore): the services that use the ledger answer 503 until its database exists (Native mode, in europe-west1); TTL policies delete each document after its expireAt; each user gets roles/datastore.user
gcloud firestore databases describe --database='(default)' --project=acme-prod >/dev/null 2>&1 ||
  gcloud firestore databases create \
    --database='(default)' \
    --project=acme-prod \
    --location=europe-west1 \
    --type=firestore-native
gcloud firestore fields ttls update expireAt \
  --collection-group=incidents \
  --database='(default)' \
  --enable-ttl \
  --project=acme-prod
gcloud firestore fields ttls update expireAt \
  --collection-group=notificationDeliveries \
  --database='(default)' \
  --enable-ttl \
  --project=acme-prod
gcloud firestore fields ttls update expireAt \
  --collection-group=limitSlots \
  --database='(default)' \
  --enable-ttl \
  --project=acme-prod
gcloud firestore fields ttls update expireAt \
  --collection-group=limitSlotHolders \
  --database='(default)' \
  --enable-ttl \
  --project=acme-prod
gcloud firestore fields ttls update expireAt \
  --collection-group=stormWindows \
  --database='(default)' \
  --enable-ttl \
  --project=acme-prod
gcloud firestore fields ttls update expireAt \
  --collection-group=stormSummaries \
  --database='(default)' \
  --enable-ttl \
  --project=acme-prod
gcloud firestore fields ttls update expireAt \
  --collection-group=quarantineLeases \
  --database='(default)' \
  --enable-ttl \
  --project=acme-prod
gcloud firestore fields ttls update expireAt \
  --collection-group=approvals \
  --database='(default)' \
  --enable-ttl \
  --project=acme-prod
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-router@acme-prod.iam.gserviceaccount.com \
  --role=roles/datastore.user \
  --condition=None
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-capture@acme-prod.iam.gserviceaccount.com \
  --role=roles/datastore.user \
  --condition=None
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-isolator@acme-prod.iam.gserviceaccount.com \
  --role=roles/datastore.user \
  --condition=None
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-node-capturer@acme-prod.iam.gserviceaccount.com \
  --role=roles/datastore.user \
  --condition=None
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-notifier@acme-prod.iam.gserviceaccount.com \
  --role=roles/datastore.user \
  --condition=None
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-pod-killer@acme-prod.iam.gserviceaccount.com \
  --role=roles/datastore.user \
  --condition=None
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-scc-exporter@acme-prod.iam.gserviceaccount.com \
  --role=roles/datastore.user \
  --condition=None
retry_iam gcloud projects add-iam-policy-binding acme-prod \
  --member=serviceAccount:riposte-tainter@acme-prod.iam.gserviceaccount.com \
  --role=roles/datastore.user \
  --condition=None

# 7. Create the evidence bucket and grant its users their roles on it: evidence bundles are written once and never overwritten: the bucket (in europe-west1, uniform bucket-level access, public access prevented) has a 30d retention policy: its objects cannot be deleted or replaced before they have been stored that long, by anyone; the policy is set again on every run and is not locked (whoever may update the bucket can shorten it). Each user gets only the roles its descriptor declares, on this bucket only; each workload's Kubernetes service account acts as its own Google account (Workload Identity)
gcloud storage buckets describe gs://acme-prod-riposte-evidence --project=acme-prod >/dev/null 2>&1 ||
  gcloud storage buckets create gs://acme-prod-riposte-evidence \
    --location=europe-west1 \
    --uniform-bucket-level-access \
    --public-access-prevention \
    --retention-period=30d \
    --project=acme-prod
gcloud storage buckets update gs://acme-prod-riposte-evidence \
  --public-access-prevention \
  --retention-period=30d \
  --project=acme-prod
retry_iam gcloud storage buckets add-iam-policy-binding gs://acme-prod-riposte-evidence \
  --member=serviceAccount:riposte-capture@acme-prod.iam.gserviceaccount.com \
  --role=roles/storage.objectCreator
retry_iam gcloud storage buckets add-iam-policy-binding gs://acme-prod-riposte-evidence \
  --member=serviceAccount:riposte-capture@acme-prod.iam.gserviceaccount.com \
  --role=roles/storage.legacyObjectReader
retry_iam gcloud storage buckets add-iam-policy-binding gs://acme-prod-riposte-evidence \
  --member=serviceAccount:riposte-node-capture@acme-prod.iam.gserviceaccount.com \
  --role=roles/storage.objectCreator
retry_iam gcloud iam service-accounts add-iam-policy-binding riposte-node-capture@acme-prod.iam.gserviceaccount.com \
  --member='serviceAccount:acme-prod.svc.id.goog[riposte/riposte-node-capture]' \
  --role=roles/iam.workloadIdentityUser \
  --project=acme-prod

# 8. Build the bundles: `gcloud run deploy --source services/<name>` uploads that folder only: it must hold its built bundle (dist/)
npm run build

# 9. Deploy the services to Cloud Run: settings from each descriptor's runtime: concurrency, timeout = push ack deadline, min and max instances, CPU always allocated; VPC egress for those that reach a cluster
gcloud run deploy router \
  --source=services/router \
  --region=europe-west1 \
  --project=acme-prod \
  --service-account=riposte-router@acme-prod.iam.gserviceaccount.com \
  --no-allow-unauthenticated \
  --ingress=internal \
  --concurrency=80 \
  --timeout=30s \
  --cpu-boost \
  --min-instances=1 \
  --set-env-vars=GOOGLE_CLOUD_PROJECT=acme-prod,OTEL_METRICS_EXPORTER=none,OTEL_LOGS_EXPORTER=none \
  --quiet
ROUTER_URL="$(gcloud run services describe router \
  --region=europe-west1 \
  --project=acme-prod \
  --format='value(status.url)')"
gcloud run deploy capture \
  --source=services/capture \
  --region=europe-west1 \
  --project=acme-prod \
  --service-account=riposte-capture@acme-prod.iam.gserviceaccount.com \
  --no-allow-unauthenticated \
  --ingress=internal \
  --concurrency=80 \
  --timeout=30s \
  --cpu-boost \
  --min-instances=0 \
  --set-env-vars='GOOGLE_CLOUD_PROJECT=acme-prod,OTEL_METRICS_EXPORTER=none,OTEL_LOGS_EXPORTER=none,CLUSTERS={"prod-eu":"projects/acme-prod/locations/europe-west1/clusters/prod-eu"},EVIDENCE_BUCKET=acme-prod-riposte-evidence' \
  --quiet
CAPTURE_URL="$(gcloud run services describe capture \
  --region=europe-west1 \
  --project=acme-prod \
  --format='value(status.url)')"
gcloud run deploy isolator \
  --source=services/isolator \
  --region=europe-west1 \
  --project=acme-prod \
  --service-account=riposte-isolator@acme-prod.iam.gserviceaccount.com \
  --no-allow-unauthenticated \
  --ingress=internal \
  --concurrency=80 \
  --timeout=30s \
  --cpu-boost \
  --min-instances=0 \
  --set-env-vars='GOOGLE_CLOUD_PROJECT=acme-prod,OTEL_METRICS_EXPORTER=none,OTEL_LOGS_EXPORTER=none,CLUSTERS={"prod-eu":"projects/acme-prod/locations/europe-west1/clusters/prod-eu"}' \
  --quiet
ISOLATOR_URL="$(gcloud run services describe isolator \
  --region=europe-west1 \
  --project=acme-prod \
  --format='value(status.url)')"
gcloud run deploy node-capturer \
  --source=services/node-capturer \
  --region=europe-west1 \
  --project=acme-prod \
  --service-account=riposte-node-capturer@acme-prod.iam.gserviceaccount.com \
  --no-allow-unauthenticated \
  --ingress=internal \
  --concurrency=80 \
  --timeout=30s \
  --cpu-boost \
  --min-instances=0 \
  --set-env-vars='GOOGLE_CLOUD_PROJECT=acme-prod,OTEL_METRICS_EXPORTER=none,OTEL_LOGS_EXPORTER=none,CLUSTERS={"prod-eu":"projects/acme-prod/locations/europe-west1/clusters/prod-eu"},EVIDENCE_BUCKET=acme-prod-riposte-evidence' \
  --quiet
NODE_CAPTURER_URL="$(gcloud run services describe node-capturer \
  --region=europe-west1 \
  --project=acme-prod \
  --format='value(status.url)')"
gcloud run deploy notifier \
  --source=services/notifier \
  --region=europe-west1 \
  --project=acme-prod \
  --service-account=riposte-notifier@acme-prod.iam.gserviceaccount.com \
  --no-allow-unauthenticated \
  --ingress=internal \
  --concurrency=80 \
  --timeout=30s \
  --cpu-boost \
  --min-instances=1 \
  --no-cpu-throttling \
  --set-env-vars=GOOGLE_CLOUD_PROJECT=acme-prod,OTEL_METRICS_EXPORTER=none,OTEL_LOGS_EXPORTER=none \
  --set-secrets=SLACK_WEBHOOK_URL=riposte-slack-webhook:latest \
  --quiet
NOTIFIER_URL="$(gcloud run services describe notifier \
  --region=europe-west1 \
  --project=acme-prod \
  --format='value(status.url)')"
gcloud run deploy pod-killer \
  --source=services/pod-killer \
  --region=europe-west1 \
  --project=acme-prod \
  --service-account=riposte-pod-killer@acme-prod.iam.gserviceaccount.com \
  --no-allow-unauthenticated \
  --ingress=internal \
  --concurrency=80 \
  --timeout=30s \
  --cpu-boost \
  --min-instances=1 \
  --set-env-vars='GOOGLE_CLOUD_PROJECT=acme-prod,OTEL_METRICS_EXPORTER=none,OTEL_LOGS_EXPORTER=none,CLUSTERS={"prod-eu":"projects/acme-prod/locations/europe-west1/clusters/prod-eu"}' \
  --quiet
POD_KILLER_URL="$(gcloud run services describe pod-killer \
  --region=europe-west1 \
  --project=acme-prod \
  --format='value(status.url)')"
gcloud run deploy scc-exporter \
  --source=services/scc-exporter \
  --region=europe-west1 \
  --project=acme-prod \
  --service-account=riposte-scc-exporter@acme-prod.iam.gserviceaccount.com \
  --no-allow-unauthenticated \
  --ingress=internal \
  --concurrency=80 \
  --timeout=30s \
  --cpu-boost \
  --min-instances=0 \
  --set-env-vars='GOOGLE_CLOUD_PROJECT=acme-prod,OTEL_METRICS_EXPORTER=none,OTEL_LOGS_EXPORTER=none,CLUSTERS={"prod-eu":"projects/acme-prod/locations/europe-west1/clusters/prod-eu"},SCC_SOURCE_NAME=organizations/123456789012/sources/987' \
  --quiet
SCC_EXPORTER_URL="$(gcloud run services describe scc-exporter \
  --region=europe-west1 \
  --project=acme-prod \
  --format='value(status.url)')"
gcloud run deploy tainter \
  --source=services/tainter \
  --region=europe-west1 \
  --project=acme-prod \
  --service-account=riposte-tainter@acme-prod.iam.gserviceaccount.com \
  --no-allow-unauthenticated \
  --ingress=internal \
  --concurrency=80 \
  --timeout=30s \
  --cpu-boost \
  --min-instances=0 \
  --set-env-vars='GOOGLE_CLOUD_PROJECT=acme-prod,OTEL_METRICS_EXPORTER=none,OTEL_LOGS_EXPORTER=none,CLUSTERS={"prod-eu":"projects/acme-prod/locations/europe-west1/clusters/prod-eu"}' \
  --quiet
TAINTER_URL="$(gcloud run services describe tainter \
  --region=europe-west1 \
  --project=acme-prod \
  --format='value(status.url)')"

# 10. Let the push account invoke the services: the services refuse unauthenticated requests; Pub/Sub's OIDC token for the push account passes the IAM check
retry_iam gcloud run services add-iam-policy-binding router \
  --region=europe-west1 \
  --project=acme-prod \
  --member=serviceAccount:riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
  --role=roles/run.invoker
retry_iam gcloud run services add-iam-policy-binding capture \
  --region=europe-west1 \
  --project=acme-prod \
  --member=serviceAccount:riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
  --role=roles/run.invoker
retry_iam gcloud run services add-iam-policy-binding isolator \
  --region=europe-west1 \
  --project=acme-prod \
  --member=serviceAccount:riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
  --role=roles/run.invoker
retry_iam gcloud run services add-iam-policy-binding node-capturer \
  --region=europe-west1 \
  --project=acme-prod \
  --member=serviceAccount:riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
  --role=roles/run.invoker
retry_iam gcloud run services add-iam-policy-binding notifier \
  --region=europe-west1 \
  --project=acme-prod \
  --member=serviceAccount:riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
  --role=roles/run.invoker
retry_iam gcloud run services add-iam-policy-binding pod-killer \
  --region=europe-west1 \
  --project=acme-prod \
  --member=serviceAccount:riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
  --role=roles/run.invoker
retry_iam gcloud run services add-iam-policy-binding scc-exporter \
  --region=europe-west1 \
  --project=acme-prod \
  --member=serviceAccount:riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
  --role=roles/run.invoker
retry_iam gcloud run services add-iam-policy-binding tainter \
  --region=europe-west1 \
  --project=acme-prod \
  --member=serviceAccount:riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
  --role=roles/run.invoker

# 11. Schedule the scheduled calls (Cloud Scheduler): work due later (closing storm windows, lifting expired quarantine leases) runs on a schedule, signed with the push account's OIDC token, which may invoke the services
gcloud scheduler jobs describe riposte-isolator-scheduled-release-expired \
  --location=europe-west1 \
  --project=acme-prod >/dev/null 2>&1 ||
  gcloud scheduler jobs create http riposte-isolator-scheduled-release-expired \
    --location=europe-west1 \
    --schedule='* * * * *' \
    --uri="${ISOLATOR_URL}/scheduled/release-expired" \
    --http-method=POST \
    --oidc-service-account-email=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --oidc-token-audience="${ISOLATOR_URL}" \
    --project=acme-prod
gcloud scheduler jobs update http riposte-isolator-scheduled-release-expired \
  --location=europe-west1 \
  --schedule='* * * * *' \
  --uri="${ISOLATOR_URL}/scheduled/release-expired" \
  --http-method=POST \
  --oidc-service-account-email=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
  --oidc-token-audience="${ISOLATOR_URL}" \
  --project=acme-prod
gcloud scheduler jobs describe riposte-node-capturer-scheduled-record-job-results \
  --location=europe-west1 \
  --project=acme-prod >/dev/null 2>&1 ||
  gcloud scheduler jobs create http riposte-node-capturer-scheduled-record-job-results \
    --location=europe-west1 \
    --schedule='* * * * *' \
    --uri="${NODE_CAPTURER_URL}/scheduled/record-job-results" \
    --http-method=POST \
    --oidc-service-account-email=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --oidc-token-audience="${NODE_CAPTURER_URL}" \
    --project=acme-prod
gcloud scheduler jobs update http riposte-node-capturer-scheduled-record-job-results \
  --location=europe-west1 \
  --schedule='* * * * *' \
  --uri="${NODE_CAPTURER_URL}/scheduled/record-job-results" \
  --http-method=POST \
  --oidc-service-account-email=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
  --oidc-token-audience="${NODE_CAPTURER_URL}" \
  --project=acme-prod
gcloud scheduler jobs describe riposte-notifier-scheduled-close-windows \
  --location=europe-west1 \
  --project=acme-prod >/dev/null 2>&1 ||
  gcloud scheduler jobs create http riposte-notifier-scheduled-close-windows \
    --location=europe-west1 \
    --schedule='* * * * *' \
    --uri="${NOTIFIER_URL}/scheduled/close-windows" \
    --http-method=POST \
    --oidc-service-account-email=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --oidc-token-audience="${NOTIFIER_URL}" \
    --project=acme-prod
gcloud scheduler jobs update http riposte-notifier-scheduled-close-windows \
  --location=europe-west1 \
  --schedule='* * * * *' \
  --uri="${NOTIFIER_URL}/scheduled/close-windows" \
  --http-method=POST \
  --oidc-service-account-email=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
  --oidc-token-audience="${NOTIFIER_URL}" \
  --project=acme-prod

# 12. Let Pub/Sub sign pushes as the push account: the Pub/Sub service agent mints the push account's OIDC tokens (needed explicitly on projects from before April 2021)
retry_iam gcloud iam service-accounts add-iam-policy-binding riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/iam.serviceAccountTokenCreator \
  --project=acme-prod

# 13. Create the subscriptions: one push subscription per service input (retry policy, dead-letter topic), and a pull subscription on each dead-letter topic and on quarantine
gcloud pubsub subscriptions describe quarantine --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create quarantine \
    --topic=quarantine \
    --project=acme-prod \
    --ack-deadline=60
gcloud pubsub subscriptions describe router --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create router \
    --topic=falco-events \
    --project=acme-prod \
    --ack-deadline=30 \
    --push-endpoint="${ROUTER_URL}/" \
    --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --push-auth-token-audience="${ROUTER_URL}" \
    --min-retry-delay=1s \
    --max-retry-delay=60s \
    --dead-letter-topic=router-dead-letter \
    --max-delivery-attempts=20
gcloud pubsub subscriptions describe router-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create router-dead-letter \
    --topic=router-dead-letter \
    --project=acme-prod \
    --ack-deadline=60
gcloud pubsub subscriptions describe capture --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create capture \
    --topic=capture \
    --project=acme-prod \
    --ack-deadline=30 \
    --push-endpoint="${CAPTURE_URL}/" \
    --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --push-auth-token-audience="${CAPTURE_URL}" \
    --min-retry-delay=1s \
    --max-retry-delay=60s \
    --dead-letter-topic=capture-dead-letter \
    --max-delivery-attempts=25
gcloud pubsub subscriptions describe capture-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create capture-dead-letter \
    --topic=capture-dead-letter \
    --project=acme-prod \
    --ack-deadline=60
gcloud pubsub subscriptions describe isolator --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create isolator \
    --topic=isolator \
    --project=acme-prod \
    --ack-deadline=30 \
    --push-endpoint="${ISOLATOR_URL}/" \
    --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --push-auth-token-audience="${ISOLATOR_URL}" \
    --min-retry-delay=1s \
    --max-retry-delay=60s \
    --dead-letter-topic=isolator-dead-letter \
    --max-delivery-attempts=25
gcloud pubsub subscriptions describe isolator-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create isolator-dead-letter \
    --topic=isolator-dead-letter \
    --project=acme-prod \
    --ack-deadline=60
gcloud pubsub subscriptions describe node-capturer --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create node-capturer \
    --topic=node-capturer \
    --project=acme-prod \
    --ack-deadline=30 \
    --push-endpoint="${NODE_CAPTURER_URL}/" \
    --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --push-auth-token-audience="${NODE_CAPTURER_URL}" \
    --min-retry-delay=1s \
    --max-retry-delay=60s \
    --dead-letter-topic=node-capturer-dead-letter \
    --max-delivery-attempts=25
gcloud pubsub subscriptions describe node-capturer-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create node-capturer-dead-letter \
    --topic=node-capturer-dead-letter \
    --project=acme-prod \
    --ack-deadline=60
gcloud pubsub subscriptions describe notifier --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create notifier \
    --topic=notifier \
    --project=acme-prod \
    --ack-deadline=30 \
    --push-endpoint="${NOTIFIER_URL}/" \
    --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --push-auth-token-audience="${NOTIFIER_URL}" \
    --min-retry-delay=10s \
    --max-retry-delay=300s \
    --dead-letter-topic=notifier-dead-letter \
    --max-delivery-attempts=10
gcloud pubsub subscriptions describe notifier-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create notifier-dead-letter \
    --topic=notifier-dead-letter \
    --project=acme-prod \
    --ack-deadline=60
gcloud pubsub subscriptions describe notifier-action-outcomes --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create notifier-action-outcomes \
    --topic=action-outcomes \
    --project=acme-prod \
    --ack-deadline=30 \
    --push-endpoint="${NOTIFIER_URL}/outcomes" \
    --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --push-auth-token-audience="${NOTIFIER_URL}" \
    --min-retry-delay=10s \
    --max-retry-delay=300s \
    --dead-letter-topic=notifier-action-outcomes-dead-letter \
    --max-delivery-attempts=10
gcloud pubsub subscriptions describe notifier-action-outcomes-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create notifier-action-outcomes-dead-letter \
    --topic=notifier-action-outcomes-dead-letter \
    --project=acme-prod \
    --ack-deadline=60
gcloud pubsub subscriptions describe pod-killer --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create pod-killer \
    --topic=pod-killer \
    --project=acme-prod \
    --ack-deadline=30 \
    --push-endpoint="${POD_KILLER_URL}/" \
    --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --push-auth-token-audience="${POD_KILLER_URL}" \
    --min-retry-delay=1s \
    --max-retry-delay=60s \
    --dead-letter-topic=pod-killer-dead-letter \
    --max-delivery-attempts=25
gcloud pubsub subscriptions describe pod-killer-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create pod-killer-dead-letter \
    --topic=pod-killer-dead-letter \
    --project=acme-prod \
    --ack-deadline=60
gcloud pubsub subscriptions describe scc-exporter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create scc-exporter \
    --topic=scc-exporter \
    --project=acme-prod \
    --ack-deadline=30 \
    --push-endpoint="${SCC_EXPORTER_URL}/" \
    --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --push-auth-token-audience="${SCC_EXPORTER_URL}" \
    --min-retry-delay=10s \
    --max-retry-delay=300s \
    --dead-letter-topic=scc-exporter-dead-letter \
    --max-delivery-attempts=10
gcloud pubsub subscriptions describe scc-exporter-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create scc-exporter-dead-letter \
    --topic=scc-exporter-dead-letter \
    --project=acme-prod \
    --ack-deadline=60
gcloud pubsub subscriptions describe scc-exporter-action-outcomes --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create scc-exporter-action-outcomes \
    --topic=action-outcomes \
    --project=acme-prod \
    --ack-deadline=30 \
    --push-endpoint="${SCC_EXPORTER_URL}/outcomes" \
    --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --push-auth-token-audience="${SCC_EXPORTER_URL}" \
    --min-retry-delay=10s \
    --max-retry-delay=300s \
    --dead-letter-topic=scc-exporter-action-outcomes-dead-letter \
    --max-delivery-attempts=10
gcloud pubsub subscriptions describe scc-exporter-action-outcomes-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create scc-exporter-action-outcomes-dead-letter \
    --topic=scc-exporter-action-outcomes-dead-letter \
    --project=acme-prod \
    --ack-deadline=60
gcloud pubsub subscriptions describe tainter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create tainter \
    --topic=tainter \
    --project=acme-prod \
    --ack-deadline=30 \
    --push-endpoint="${TAINTER_URL}/" \
    --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --push-auth-token-audience="${TAINTER_URL}" \
    --min-retry-delay=1s \
    --max-retry-delay=60s \
    --dead-letter-topic=tainter-dead-letter \
    --max-delivery-attempts=25
gcloud pubsub subscriptions describe tainter-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create tainter-dead-letter \
    --topic=tainter-dead-letter \
    --project=acme-prod \
    --ack-deadline=60
gcloud pubsub subscriptions describe notifier-capture-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create notifier-capture-dead-letter \
    --topic=capture-dead-letter \
    --project=acme-prod \
    --ack-deadline=30 \
    --push-endpoint="${NOTIFIER_URL}/dead-letters" \
    --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --push-auth-token-audience="${NOTIFIER_URL}" \
    --min-retry-delay=10s \
    --max-retry-delay=300s
gcloud pubsub subscriptions describe notifier-isolator-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create notifier-isolator-dead-letter \
    --topic=isolator-dead-letter \
    --project=acme-prod \
    --ack-deadline=30 \
    --push-endpoint="${NOTIFIER_URL}/dead-letters" \
    --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --push-auth-token-audience="${NOTIFIER_URL}" \
    --min-retry-delay=10s \
    --max-retry-delay=300s
gcloud pubsub subscriptions describe notifier-node-capturer-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create notifier-node-capturer-dead-letter \
    --topic=node-capturer-dead-letter \
    --project=acme-prod \
    --ack-deadline=30 \
    --push-endpoint="${NOTIFIER_URL}/dead-letters" \
    --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --push-auth-token-audience="${NOTIFIER_URL}" \
    --min-retry-delay=10s \
    --max-retry-delay=300s
gcloud pubsub subscriptions describe notifier-notifier-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create notifier-notifier-dead-letter \
    --topic=notifier-dead-letter \
    --project=acme-prod \
    --ack-deadline=30 \
    --push-endpoint="${NOTIFIER_URL}/dead-letters" \
    --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --push-auth-token-audience="${NOTIFIER_URL}" \
    --min-retry-delay=10s \
    --max-retry-delay=300s
gcloud pubsub subscriptions describe notifier-pod-killer-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create notifier-pod-killer-dead-letter \
    --topic=pod-killer-dead-letter \
    --project=acme-prod \
    --ack-deadline=30 \
    --push-endpoint="${NOTIFIER_URL}/dead-letters" \
    --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --push-auth-token-audience="${NOTIFIER_URL}" \
    --min-retry-delay=10s \
    --max-retry-delay=300s
gcloud pubsub subscriptions describe notifier-scc-exporter-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create notifier-scc-exporter-dead-letter \
    --topic=scc-exporter-dead-letter \
    --project=acme-prod \
    --ack-deadline=30 \
    --push-endpoint="${NOTIFIER_URL}/dead-letters" \
    --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --push-auth-token-audience="${NOTIFIER_URL}" \
    --min-retry-delay=10s \
    --max-retry-delay=300s
gcloud pubsub subscriptions describe notifier-tainter-dead-letter --project=acme-prod >/dev/null 2>&1 ||
  gcloud pubsub subscriptions create notifier-tainter-dead-letter \
    --topic=tainter-dead-letter \
    --project=acme-prod \
    --ack-deadline=30 \
    --push-endpoint="${NOTIFIER_URL}/dead-letters" \
    --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com \
    --push-auth-token-audience="${NOTIFIER_URL}" \
    --min-retry-delay=10s \
    --max-retry-delay=300s

# 14. Let Pub/Sub dead-letter: the Pub/Sub service agent must publish to each dead-letter topic and subscribe to each source subscription
retry_iam gcloud pubsub topics add-iam-policy-binding router-dead-letter \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub subscriptions add-iam-policy-binding router \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.subscriber \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding capture-dead-letter \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub subscriptions add-iam-policy-binding capture \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.subscriber \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding isolator-dead-letter \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub subscriptions add-iam-policy-binding isolator \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.subscriber \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding node-capturer-dead-letter \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub subscriptions add-iam-policy-binding node-capturer \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.subscriber \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding notifier-dead-letter \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub subscriptions add-iam-policy-binding notifier \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.subscriber \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding notifier-action-outcomes-dead-letter \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub subscriptions add-iam-policy-binding notifier-action-outcomes \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.subscriber \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding pod-killer-dead-letter \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub subscriptions add-iam-policy-binding pod-killer \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.subscriber \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding scc-exporter-dead-letter \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub subscriptions add-iam-policy-binding scc-exporter \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.subscriber \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding scc-exporter-action-outcomes-dead-letter \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub subscriptions add-iam-policy-binding scc-exporter-action-outcomes \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.subscriber \
  --project=acme-prod
retry_iam gcloud pubsub topics add-iam-policy-binding tainter-dead-letter \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud pubsub subscriptions add-iam-policy-binding tainter \
  --member="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com" \
  --role=roles/pubsub.subscriber \
  --project=acme-prod

# 15. Alert on dead letters and quarantine: a Cloud Monitoring alert policy per dead-letter subscription and on the quarantine backlog (undelivered messages > 0 for 1 min), with no notification channel yet: pass --alert-channel projects/P/notificationChannels/ID
npx riposte alerting exists \
  --project=acme-prod \
  --display-name='Riposte: quarantined messages in quarantine' >/dev/null 2>&1 ||
  gcloud alpha monitoring policies create \
    --policy='{"displayName":"Riposte: quarantined messages in quarantine","documentation":{"content":"A message no Riposte service could accept was quarantined. Inspect it with `riposte quarantine list`.","mimeType":"text/markdown"},"userLabels":{"app":"riposte"},"combiner":"OR","severity":"WARNING","conditions":[{"displayName":"undelivered messages in quarantine","conditionThreshold":{"filter":"resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"quarantine\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\"","aggregations":[{"alignmentPeriod":"60s","perSeriesAligner":"ALIGN_MAX"}],"comparison":"COMPARISON_GT","thresholdValue":0,"duration":"60s","trigger":{"count":1}}}]}' \
    --project=acme-prod
npx riposte alerting exists \
  --project=acme-prod \
  --display-name='Riposte: dead letters in router-dead-letter' >/dev/null 2>&1 ||
  gcloud alpha monitoring policies create \
    --policy='{"displayName":"Riposte: dead letters in router-dead-letter","documentation":{"content":"Riposte gave up on a message in router-dead-letter (a command there was never carried out). Inspect and replay it with `riposte dlq list SERVICE`.","mimeType":"text/markdown"},"userLabels":{"app":"riposte"},"combiner":"OR","severity":"CRITICAL","conditions":[{"displayName":"undelivered messages in router-dead-letter","conditionThreshold":{"filter":"resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"router-dead-letter\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\"","aggregations":[{"alignmentPeriod":"60s","perSeriesAligner":"ALIGN_MAX"}],"comparison":"COMPARISON_GT","thresholdValue":0,"duration":"60s","trigger":{"count":1}}}]}' \
    --project=acme-prod
npx riposte alerting exists \
  --project=acme-prod \
  --display-name='Riposte: dead letters in capture-dead-letter' >/dev/null 2>&1 ||
  gcloud alpha monitoring policies create \
    --policy='{"displayName":"Riposte: dead letters in capture-dead-letter","documentation":{"content":"Riposte gave up on a message in capture-dead-letter (a command there was never carried out). Inspect and replay it with `riposte dlq list SERVICE`.","mimeType":"text/markdown"},"userLabels":{"app":"riposte"},"combiner":"OR","severity":"CRITICAL","conditions":[{"displayName":"undelivered messages in capture-dead-letter","conditionThreshold":{"filter":"resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"capture-dead-letter\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\"","aggregations":[{"alignmentPeriod":"60s","perSeriesAligner":"ALIGN_MAX"}],"comparison":"COMPARISON_GT","thresholdValue":0,"duration":"60s","trigger":{"count":1}}}]}' \
    --project=acme-prod
npx riposte alerting exists \
  --project=acme-prod \
  --display-name='Riposte: dead letters in isolator-dead-letter' >/dev/null 2>&1 ||
  gcloud alpha monitoring policies create \
    --policy='{"displayName":"Riposte: dead letters in isolator-dead-letter","documentation":{"content":"Riposte gave up on a message in isolator-dead-letter (a command there was never carried out). Inspect and replay it with `riposte dlq list SERVICE`.","mimeType":"text/markdown"},"userLabels":{"app":"riposte"},"combiner":"OR","severity":"CRITICAL","conditions":[{"displayName":"undelivered messages in isolator-dead-letter","conditionThreshold":{"filter":"resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"isolator-dead-letter\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\"","aggregations":[{"alignmentPeriod":"60s","perSeriesAligner":"ALIGN_MAX"}],"comparison":"COMPARISON_GT","thresholdValue":0,"duration":"60s","trigger":{"count":1}}}]}' \
    --project=acme-prod
npx riposte alerting exists \
  --project=acme-prod \
  --display-name='Riposte: dead letters in node-capturer-dead-letter' >/dev/null 2>&1 ||
  gcloud alpha monitoring policies create \
    --policy='{"displayName":"Riposte: dead letters in node-capturer-dead-letter","documentation":{"content":"Riposte gave up on a message in node-capturer-dead-letter (a command there was never carried out). Inspect and replay it with `riposte dlq list SERVICE`.","mimeType":"text/markdown"},"userLabels":{"app":"riposte"},"combiner":"OR","severity":"CRITICAL","conditions":[{"displayName":"undelivered messages in node-capturer-dead-letter","conditionThreshold":{"filter":"resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"node-capturer-dead-letter\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\"","aggregations":[{"alignmentPeriod":"60s","perSeriesAligner":"ALIGN_MAX"}],"comparison":"COMPARISON_GT","thresholdValue":0,"duration":"60s","trigger":{"count":1}}}]}' \
    --project=acme-prod
npx riposte alerting exists \
  --project=acme-prod \
  --display-name='Riposte: dead letters in notifier-dead-letter' >/dev/null 2>&1 ||
  gcloud alpha monitoring policies create \
    --policy='{"displayName":"Riposte: dead letters in notifier-dead-letter","documentation":{"content":"Riposte gave up on a message in notifier-dead-letter (a command there was never carried out). Inspect and replay it with `riposte dlq list SERVICE`.","mimeType":"text/markdown"},"userLabels":{"app":"riposte"},"combiner":"OR","severity":"CRITICAL","conditions":[{"displayName":"undelivered messages in notifier-dead-letter","conditionThreshold":{"filter":"resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"notifier-dead-letter\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\"","aggregations":[{"alignmentPeriod":"60s","perSeriesAligner":"ALIGN_MAX"}],"comparison":"COMPARISON_GT","thresholdValue":0,"duration":"60s","trigger":{"count":1}}}]}' \
    --project=acme-prod
npx riposte alerting exists \
  --project=acme-prod \
  --display-name='Riposte: dead letters in notifier-action-outcomes-dead-letter' >/dev/null 2>&1 ||
  gcloud alpha monitoring policies create \
    --policy='{"displayName":"Riposte: dead letters in notifier-action-outcomes-dead-letter","documentation":{"content":"Riposte gave up on a message in notifier-action-outcomes-dead-letter (a command there was never carried out). Inspect and replay it with `riposte dlq list SERVICE`.","mimeType":"text/markdown"},"userLabels":{"app":"riposte"},"combiner":"OR","severity":"CRITICAL","conditions":[{"displayName":"undelivered messages in notifier-action-outcomes-dead-letter","conditionThreshold":{"filter":"resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"notifier-action-outcomes-dead-letter\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\"","aggregations":[{"alignmentPeriod":"60s","perSeriesAligner":"ALIGN_MAX"}],"comparison":"COMPARISON_GT","thresholdValue":0,"duration":"60s","trigger":{"count":1}}}]}' \
    --project=acme-prod
npx riposte alerting exists \
  --project=acme-prod \
  --display-name='Riposte: dead letters in pod-killer-dead-letter' >/dev/null 2>&1 ||
  gcloud alpha monitoring policies create \
    --policy='{"displayName":"Riposte: dead letters in pod-killer-dead-letter","documentation":{"content":"Riposte gave up on a message in pod-killer-dead-letter (a command there was never carried out). Inspect and replay it with `riposte dlq list SERVICE`.","mimeType":"text/markdown"},"userLabels":{"app":"riposte"},"combiner":"OR","severity":"CRITICAL","conditions":[{"displayName":"undelivered messages in pod-killer-dead-letter","conditionThreshold":{"filter":"resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"pod-killer-dead-letter\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\"","aggregations":[{"alignmentPeriod":"60s","perSeriesAligner":"ALIGN_MAX"}],"comparison":"COMPARISON_GT","thresholdValue":0,"duration":"60s","trigger":{"count":1}}}]}' \
    --project=acme-prod
npx riposte alerting exists \
  --project=acme-prod \
  --display-name='Riposte: dead letters in scc-exporter-dead-letter' >/dev/null 2>&1 ||
  gcloud alpha monitoring policies create \
    --policy='{"displayName":"Riposte: dead letters in scc-exporter-dead-letter","documentation":{"content":"Riposte gave up on a message in scc-exporter-dead-letter (a command there was never carried out). Inspect and replay it with `riposte dlq list SERVICE`.","mimeType":"text/markdown"},"userLabels":{"app":"riposte"},"combiner":"OR","severity":"CRITICAL","conditions":[{"displayName":"undelivered messages in scc-exporter-dead-letter","conditionThreshold":{"filter":"resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"scc-exporter-dead-letter\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\"","aggregations":[{"alignmentPeriod":"60s","perSeriesAligner":"ALIGN_MAX"}],"comparison":"COMPARISON_GT","thresholdValue":0,"duration":"60s","trigger":{"count":1}}}]}' \
    --project=acme-prod
npx riposte alerting exists \
  --project=acme-prod \
  --display-name='Riposte: dead letters in scc-exporter-action-outcomes-dead-letter' >/dev/null 2>&1 ||
  gcloud alpha monitoring policies create \
    --policy='{"displayName":"Riposte: dead letters in scc-exporter-action-outcomes-dead-letter","documentation":{"content":"Riposte gave up on a message in scc-exporter-action-outcomes-dead-letter (a command there was never carried out). Inspect and replay it with `riposte dlq list SERVICE`.","mimeType":"text/markdown"},"userLabels":{"app":"riposte"},"combiner":"OR","severity":"CRITICAL","conditions":[{"displayName":"undelivered messages in scc-exporter-action-outcomes-dead-letter","conditionThreshold":{"filter":"resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"scc-exporter-action-outcomes-dead-letter\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\"","aggregations":[{"alignmentPeriod":"60s","perSeriesAligner":"ALIGN_MAX"}],"comparison":"COMPARISON_GT","thresholdValue":0,"duration":"60s","trigger":{"count":1}}}]}' \
    --project=acme-prod
npx riposte alerting exists \
  --project=acme-prod \
  --display-name='Riposte: dead letters in tainter-dead-letter' >/dev/null 2>&1 ||
  gcloud alpha monitoring policies create \
    --policy='{"displayName":"Riposte: dead letters in tainter-dead-letter","documentation":{"content":"Riposte gave up on a message in tainter-dead-letter (a command there was never carried out). Inspect and replay it with `riposte dlq list SERVICE`.","mimeType":"text/markdown"},"userLabels":{"app":"riposte"},"combiner":"OR","severity":"CRITICAL","conditions":[{"displayName":"undelivered messages in tainter-dead-letter","conditionThreshold":{"filter":"resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"tainter-dead-letter\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\"","aggregations":[{"alignmentPeriod":"60s","perSeriesAligner":"ALIGN_MAX"}],"comparison":"COMPARISON_GT","thresholdValue":0,"duration":"60s","trigger":{"count":1}}}]}' \
    --project=acme-prod

# 16. Apply the Kubernetes RBAC: each actioner's Google identity gets exactly the Kubernetes verbs its descriptor declares (ClusterRole + binding to the account as a User), in every cluster; the namespaces and Kubernetes service accounts of the workloads the services launch, each annotated with its Google account (Workload Identity)
npx riposte rbac generate --project=acme-prod --out=.riposte/rbac/acme-prod
gcloud container clusters get-credentials prod-eu --location=europe-west1 --project=acme-prod
kubectl apply --filename=.riposte/rbac/acme-prod

# 17. Let falcosidekick publish Falco alerts: falcosidekick's Kubernetes service account falco/falcosidekick acts as riposte-falcosidekick (Workload Identity) and may publish to falco-events only; then install Falco (README: Install Falco on GKE)
retry_iam gcloud pubsub topics add-iam-policy-binding falco-events \
  --member=serviceAccount:riposte-falcosidekick@acme-prod.iam.gserviceaccount.com \
  --role=roles/pubsub.publisher \
  --project=acme-prod
retry_iam gcloud iam service-accounts add-iam-policy-binding riposte-falcosidekick@acme-prod.iam.gserviceaccount.com \
  --member='serviceAccount:acme-prod.svc.id.goog[falco/falcosidekick]' \
  --role=roles/iam.workloadIdentityUser \
  --project=acme-prod
