#!/usr/bin/env python3
"""Extract CloudFormation resource-handler IAM permissions from registry schemas.

Usage:
  extract-handlers.py SCHEMA_DIR [--source "description"] [--types T1,T2,...]

SCHEMA_DIR: a directory of CloudFormation registry schema JSON files, e.g.
  the aws-cloudformation-schema/ folder of a pulumi/pulumi-aws-native checkout
  (export one with:  git -C <repo> archive HEAD aws-cloudformation-schema | tar -x -C <dest>).
Files are matched by their "typeName" field, not by file name.
Prints JSON to stdout: {"source": ..., "types": {type: {handler: [actions]}}, "missing": [...]}
(handler keys sorted; actions sorted and de-duplicated; a handler key the schema lacks is omitted).
"""
import argparse, glob, json, os, sys

DEFAULT_TYPES = """
AWS::ApplicationAutoScaling::ScalableTarget AWS::ApplicationAutoScaling::ScalingPolicy
AWS::CloudWatch::Alarm AWS::EC2::FlowLog AWS::EC2::InternetGateway AWS::EC2::Route
AWS::EC2::RouteTable AWS::EC2::SecurityGroup AWS::EC2::SecurityGroupIngress AWS::EC2::Subnet
AWS::EC2::SubnetRouteTableAssociation AWS::EC2::VPC AWS::EC2::VPCEndpoint
AWS::EC2::VPCGatewayAttachment AWS::ECR::Repository AWS::ECS::Cluster AWS::ECS::Service
AWS::ECS::TaskDefinition AWS::ElasticLoadBalancingV2::Listener
AWS::ElasticLoadBalancingV2::ListenerRule AWS::ElasticLoadBalancingV2::LoadBalancer
AWS::ElasticLoadBalancingV2::TargetGroup AWS::IAM::ManagedPolicy AWS::IAM::OIDCProvider
AWS::IAM::Role AWS::KMS::Key AWS::Lambda::Function AWS::Logs::LogGroup AWS::S3::Bucket
AWS::S3::BucketPolicy AWS::SNS::Topic AWS::SNS::TopicPolicy AWS::SNS::Subscription
AWS::CertificateManager::Certificate
""".split()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("schema_dir")
    ap.add_argument("--source", default=None,
                    help='text for the "source" field (default: the directory path)')
    ap.add_argument("--types", default=None, help="comma-separated type names (default: built-in list)")
    a = ap.parse_args()
    wanted = a.types.split(",") if a.types else DEFAULT_TYPES

    by_type = {}
    for path in sorted(glob.glob(os.path.join(a.schema_dir, "*.json"))):
        try:
            with open(path, encoding="utf-8") as fh:
                d = json.load(fh)
        except (ValueError, OSError) as e:
            print(f"warning: cannot read {path}: {e}", file=sys.stderr)
            continue
        if isinstance(d, dict) and "typeName" in d:
            by_type.setdefault(d["typeName"], (path, d))

    types, missing = {}, []
    for t in wanted:
        if t not in by_type:
            missing.append(t)
            continue
        path, d = by_type[t]
        handlers = d.get("handlers") or {}
        if not handlers:
            print(f"warning: {t} ({os.path.basename(path)}) has no handlers", file=sys.stderr)
        types[t] = {h: sorted(set(v.get("permissions", []))) for h, v in sorted(handlers.items())}

    out = {"source": a.source or os.path.abspath(a.schema_dir),
           "types": dict(sorted(types.items()))}
    if missing:
        out["missing"] = sorted(missing)
    json.dump(out, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
