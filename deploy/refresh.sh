#!/usr/bin/env bash
# Copies what quarkus-kubernetes generated for each service (target/kubernetes/kubernetes.yml, written by
# ./mvnw package) into deploy/base/generated, where kustomize takes it from. Run it after changing a service's
# quarkus.kubernetes.* keys or its src/main/kubernetes/kubernetes.yml; the deploy test fails while they differ.
set -euo pipefail
cd "$(dirname "$0")/.."
for s in question-service generation-service filter-service eval-service; do
  [ -f "$s/target/kubernetes/kubernetes.yml" ] || { echo "$s is not built: ./mvnw -B package -DskipTests first"; exit 1; }
  cp "$s/target/kubernetes/kubernetes.yml" "deploy/base/generated/$s.yml"
done
echo "deploy/base/generated refreshed"
