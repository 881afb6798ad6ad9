#!/usr/bin/env python3
"""AWS emulator for the pipeline script tests: moto for every service, plus a shim for the two ECS
operations moto lacks, ListServiceDeployments and DescribeServiceDeployments (release-wait.sh), and
the gaps of moto's CloudFormation the pipeline meets (each patch below says what CloudFormation does).

usage: aws_emulator.py --port PORT --state DIR [--verbose]
moto runs in-process on a free 127.0.0.1 port; the front server on 127.0.0.1:PORT (0: a free port)
relays every request verbatim to moto except POSTs whose X-Amz-Target is one of the two operations
(AmazonEC2ContainerServiceV20141113.ListServiceDeployments, ...). It prints "aws-emulator ready on
URL" once it accepts requests; --verbose: a line per request on stderr. POST /moto-api/reset resets
moto and the shim; SIGTERM stops it.

Deployments: at each shimmed call the shim asks moto (DescribeServices) for the service's task
definition; the first time it sees one, or sees it change, it records a service deployment to a new
service revision (the previous one is its source): an UpdateService's deployment appears at the next
List/Describe call. Its outcome comes from DIR/ecs-next-deployment.json, if present, which the next
recorded deployment consumes (renamed DIR/ecs-deployment-<id>.json). Each DescribeServiceDeployments
of that deployment merges its next step into the ServiceDeployment; the last step repeats:
  {"steps": [{"status": "IN_PROGRESS", "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT"},
             {"status": "ROLLBACK_SUCCESSFUL", "lifecycleStage": "BAKE_TIME", "statusReason": "...",
              "rollback": {"reason": "..."}, "alarms": {"status": "TRIGGERED", "triggeredAlarmNames": ["..."]}}]}
A step may set any ServiceDeployment member; answers are checked against botocore's model (HTTP 500
if not). No file: PENDING until the first describe, then IN_PROGRESS, then SUCCESSFUL. On reaching
ROLLBACK_SUCCESSFUL the shim, as ECS does, puts the service back on the source revision's task
definition in moto (UpdateService) and sets rollback.serviceRevisionArn to that revision.
Quotes are from the ECS API Reference (the documentation fields of botocore's ecs service-2.json).
"""
import argparse, copy, http.client, json, logging, os, random, re, signal, sys, threading, time
import traceback, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.session
from botocore.exceptions import ClientError, ParamValidationError
from botocore.utils import parse_timestamp
from botocore.validate import validate_parameters
from moto.cloudformation import exceptions as cloudformation_exceptions
from moto.cloudformation import models as cloudformation_models
from moto.cloudformation import parsing as cloudformation_parsing
from moto.cloudformation import responses as cloudformation_responses
from moto.core.common_models import CloudFormationModel
from moto.ec2 import exceptions as ec2_exceptions
from moto.ec2 import models as ec2_models
from moto.ec2.models import flow_logs as ec2_flow_logs
from moto.ec2.models import internet_gateways as ec2_internet_gateways
from moto.ec2.models import route_tables as ec2_route_tables
from moto.ec2.models import vpcs as ec2_vpcs
from moto.ecs import models as ecs_models
from moto.iam import models as iam_models
from moto.utilities.utils import get_partition
from moto.elbv2 import exceptions as elbv2_exceptions
from moto.elbv2 import models as elbv2_models
from moto.kms import models as kms_models
from moto.server import ThreadedMotoServer


def _execute_change_set(self, change_set_name, stack_name=None):
    """Two gaps of moto 5.2.1's ExecuteChangeSet, closed as CloudFormation documents it:

    - Outputs and exports. moto executes a change set without the new template's Outputs: a stack created
      or updated through a change set (what `aws cloudformation deploy` does) keeps the outputs of the
      template it had before (none for a new stack), exports nothing, and cannot import what other stacks
      export. CloudFormation "updates a stack using the input information that was provided when the
      specified change set was created" (ExecuteChangeSet, API Reference), Outputs included, and
      Fn::ImportValue "returns the value of an output exported by another stack". So the stack sees the
      account's exports while it executes, and afterwards its outputs are rebuilt from the change set's
      template and its exports registered in place of the ones it had.
    - Failures. moto raises the error of a resource it cannot create from the ExecuteChangeSet call itself
      and leaves the stack as it was ("TODO: handle execution errors and implement rollback"). In
      CloudFormation the call returns and the stack operation fails on its own: a resource's
      CREATE_FAILED (or UPDATE_FAILED) event carries the reason, and the stack rolls back to
      ROLLBACK_COMPLETE after a failed create ("deletes the resources it created", except those whose
      DeletionPolicy is Retain) or to UPDATE_ROLLBACK_COMPLETE after a failed update (moto cannot restore
      the resources; only the statuses and events are set)."""
    change_set = self.change_sets.get(change_set_name) or next(
        c for c in self.change_sets.values() if c.change_set_name == change_set_name)
    stack = self.stacks[change_set.stack_id]
    stack.cross_stack_resources = self.exports
    stack.resource_map.cross_stack_resources = self.exports
    try:
        _moto_execute_change_set(self, change_set_name, stack_name)
    except cloudformation_exceptions.ValidationError:
        raise  # refused before anything was created or changed (CloudFormation's ValidationError too)
    except Exception as error:  # a resource moto could not create or update
        _roll_back(stack, change_set, error)
        return
    stack._parse_template()
    stack.parameters = change_set.parameters
    stack.output_map = stack._create_output_map()
    for name in [n for n, e in self.exports.items() if e.exporting_stack_id == stack.stack_id]:
        del self.exports[name]
    for export in stack.exports:
        self.exports[export.name] = export


def _failed_resource(error):
    """The logical id moto was working on when it raised: the innermost frame of moto's CloudFormation
    parsing that holds one."""
    tb, found = error.__traceback__, None
    while tb is not None:
        names = tb.tb_frame.f_locals
        if "moto/cloudformation/parsing.py" in tb.tb_frame.f_code.co_filename:
            found = names.get("logical_name") or names.get("logical_id") or names.get("resource_name") or found
        tb = tb.tb_next
    return found


def _roll_back(stack, change_set, error):
    traceback.print_exception(error, file=sys.stderr)  # the emulator's log: what moto could not do
    resource = _failed_resource(error) or stack.name
    rtype = change_set.template_dict.get("Resources", {}).get(resource, {}).get("Type", "AWS::CloudFormation::Stack")
    reason = "Resource handler returned message: \"%s\"" % (getattr(error, "message", None) or str(error))
    create = change_set.change_set_type == "CREATE"
    stack.events.append(cloudformation_models.Event(stack.stack_id, stack.name, resource, "", rtype,
                                                    "CREATE_FAILED" if create else "UPDATE_FAILED", reason, None))
    stack._add_stack_event("ROLLBACK_IN_PROGRESS" if create else "UPDATE_ROLLBACK_IN_PROGRESS",
                           resource_status_reason="The following resource(s) failed to %s: [%s]."
                           % ("create" if create else "update", resource))
    if create:
        try:
            stack.resource_map.delete()
        except Exception:  # what moto cannot delete stays, as DELETE_FAILED would in CloudFormation
            pass
    stack.status = "ROLLBACK_COMPLETE" if create else "UPDATE_ROLLBACK_COMPLETE"
    stack._add_stack_event(stack.status)
    change_set.execution_status = "EXECUTE_FAILED"


_moto_execute_change_set = cloudformation_models.CloudFormationBackend.execute_change_set
cloudformation_models.CloudFormationBackend.execute_change_set = _execute_change_set


def _imports(value):
    """The literal export names a template imports (Fn::ImportValue of a string)."""
    if isinstance(value, dict):
        if isinstance(value.get("Fn::ImportValue"), str):
            yield value["Fn::ImportValue"]
        for v in value.values():
            yield from _imports(v)
    elif isinstance(value, list):
        for v in value:
            yield from _imports(v)


def _create_change_set(self, stack_name, change_set_name, template, parameters, *args, **kwargs):
    """moto 5.2.1 accepts a change set whose template imports an export that does not exist, and fails only
    when it is executed. CloudFormation computes the change set with the account's exports, and one it
    cannot resolve ends FAILED with the status reason "No export named <name> found" (the reason
    scripts/ci/preview.sh reads), before anything is executed."""
    parsed = cloudformation_models.Stack.parse_template(template) or {}
    known = set(parsed.get("Parameters") or {}) | set(parsed.get("Resources") or {})
    unresolved = sorted(r for name, resource in (parsed.get("Resources") or {}).items()
                        for r in _references(resource, parsed.get("Conditions") or {})
                        if r not in known and not r.startswith("AWS::"))
    if unresolved:
        # CloudFormation refuses such a template outright (moto would create resources from it).
        raise cloudformation_exceptions.ValidationError(stack_name, message="Template format error: Unresolved "
                                                        "resource dependencies [%s] in the Resources block of the "
                                                        "template" % ", ".join(unresolved))
    change_set_id, stack_id = _moto_create_change_set(self, stack_name, change_set_name, template, parameters,
                                                      *args, **kwargs)
    change_set = self.change_sets[change_set_id]
    missing = [name for name in _imports(change_set.template_dict) if name not in self.exports]
    stack = self.stacks[stack_id]
    defaults = {k: str(v["Default"]) for k, v in (change_set.template_dict.get("Parameters") or {}).items()
                if "Default" in v}
    unchanged = (change_set.change_set_type == "UPDATE" and stack.template_dict == change_set.template_dict
                 and dict(defaults, **parameters) == {k: str(v) for k, v in stack.stack_parameters.items()})
    if missing and change_set.status == "CREATE_COMPLETE":
        _fail(change_set, "No export named %s found" % missing[0])
    elif unchanged:
        # A parameter passed with the value it has (or its default) changes nothing either.
        _fail(change_set, "The submitted information didn't contain changes. Submit different information to create "
                          "a change set.")
    return change_set_id, stack_id


def _fail(change_set, reason):
    change_set.status, change_set.execution_status, change_set.status_reason = "FAILED", "UNAVAILABLE", reason


def _validate_different_update(self, incoming_params, stack_body, old_stack):
    """moto 5.2.1 refuses CreateChangeSet itself, with ValidationError "No updates are to be performed.",
    when the template and the given parameters are unchanged. CloudFormation creates the change set, which
    ends FAILED with "The submitted information didn't contain changes. Submit different information to
    create a change set." (the reason `aws cloudformation deploy --no-fail-on-empty-changeset` treats as
    success); _create_change_set above marks it so."""


cloudformation_responses.CloudFormationResponse._validate_different_update = _validate_different_update


_moto_create_change_set = cloudformation_models.CloudFormationBackend.create_change_set
cloudformation_models.CloudFormationBackend.create_change_set = _create_change_set

def _delete_stack(self, name_or_stack_id):
    """What CloudFormation enforces when a stack is deleted, and moto 5.2.1 does not:

    - Termination protection: "If a user attempts to delete a stack with termination protection enabled,
      the deletion fails and the stack, including its status, remains unchanged" (User Guide, "Protect
      CloudFormation stacks from being deleted"); the call is refused with a ValidationError.
    - Exports in use: "You can't delete a stack if another stack references one of its outputs" (User
      Guide, "Get exported outputs from a deployed CloudFormation stack"); the stack ends DELETE_FAILED.
    - DeletionPolicy RetainExceptOnCreate keeps the resource when the stack is deleted, as Retain does
      ("retains resources on stack deletion, except when the stack is in a create operation that rolls
      back": DeletionPolicy attribute, User Guide); a kept resource has a DELETE_SKIPPED event (the
      ResourceStatus values of the API Reference). moto kept only Retain, and said nothing.
    - A resource that cannot be deleted (a load balancer with deletion protection): DeleteStack returns,
      the resource's DELETE_FAILED event carries the reason, and the stack ends DELETE_FAILED with what it
      could not delete left in place. moto raised the error from the DeleteStack call."""
    stack = self.stacks.get(name_or_stack_id) or next(
        (s for s in self.stacks.values() if s.name == name_or_stack_id), None)
    if stack is None:
        return  # deleting a stack that does not exist succeeds (DeleteStack is idempotent)
    if getattr(stack, "enable_termination_protection", False):
        raise cloudformation_exceptions.ValidationError(
            stack.name, message="Stack [%s] cannot be deleted while TerminationProtection is enabled" % stack.name)
    stack._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
    exports = {export.name for export in stack.exports}
    for other in self.stacks.values():
        used = sorted(exports & set(_imports(other.template_dict))) if other is not stack else []
        if used:
            stack.status = "DELETE_FAILED"
            stack._add_stack_event("DELETE_FAILED", resource_status_reason="Export %s cannot be deleted as it is in "
                                   "use by %s" % (used[0], other.name))
            return
    resources = stack.resource_map._resource_json_map
    for logical_id, resource in resources.items():
        if resource.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate"):
            resource["DeletionPolicy"] = "Retain"
            physical = stack.resource_map._parsed_resources.get(logical_id)
            stack.events.append(cloudformation_models.Event(
                stack.stack_id, stack.name, logical_id, getattr(physical, "physical_resource_id", "") or "",
                resource["Type"], "DELETE_SKIPPED", None, None))
    try:
        _moto_delete_stack(self, stack.stack_id)
        # A deleted stack has no outputs; moto would evaluate them again on a DescribeStacks of its id, and
        # so create anew the resources they name (the load balancer of LoadBalancerUrl).
        stack.output_map = _NoOutputs()
    except Exception as error:
        traceback.print_exception(error, file=sys.stderr)
        # What moto could not delete is still in the stack's resource map (it removes what it deleted).
        left = sorted(logical_id for logical_id in stack.resource_map._parsed_resources
                      if logical_id in resources and resources[logical_id].get("DeletionPolicy") != "Retain")
        reason = "Resource handler returned message: \"%s\"" % (getattr(error, "message", None) or str(error))
        for logical_id in left:
            stack.events.append(cloudformation_models.Event(stack.stack_id, stack.name, logical_id, "",
                                                            resources[logical_id]["Type"], "DELETE_FAILED", reason,
                                                            None))
        self.deleted_stacks.pop(stack.stack_id, None)
        self.stacks[stack.stack_id] = stack
        stack.status = "DELETE_FAILED"
        stack._add_stack_event("DELETE_FAILED", resource_status_reason="The following resource(s) failed to delete: "
                               "[%s]. " % ", ".join(left))


class _NoOutputs(dict):
    exports = []


_moto_delete_stack = cloudformation_models.CloudFormationBackend.delete_stack
cloudformation_models.CloudFormationBackend.delete_stack = _delete_stack


def _delete_load_balancer(self, arn):
    """moto 5.2.1 deletes a load balancer whatever its deletion protection. "If deletion protection is
    enabled, the load balancer cannot be deleted" (DeleteLoadBalancer, ELB API Reference): the call fails
    with OperationNotPermitted."""
    balancer = self.load_balancers.get(arn)
    if balancer is not None and balancer.attrs.get("deletion_protection.enabled") == "true":
        raise elbv2_exceptions.ELBClientError("OperationNotPermitted", "Load balancer '%s' cannot be deleted because "
                                              "deletion protection is enabled" % arn)
    _moto_delete_load_balancer(self, arn)


_moto_delete_load_balancer = elbv2_models.ELBv2Backend.delete_load_balancer
elbv2_models.ELBv2Backend.delete_load_balancer = _delete_load_balancer


def _ec2_deleter(delete):
    """A delete for a moto EC2 model that has none in its CloudFormation support; tolerant of what an
    earlier pass of the stack's delete already removed (CloudFormation: "DeleteStack ... deletes the
    stack's resources"; a gone resource counts as deleted)."""
    def deleter(self, account_id, region_name):
        try:
            delete(ec2_models.ec2_backends[account_id][region_name], self)
        except ec2_exceptions.EC2ClientError as error:
            if "NotFound" not in getattr(error, "code", ""):
                raise
    return deleter


def _delete_route_table(backend, table):
    table._associations.clear()  # its AWS::EC2::SubnetRouteTableAssociation resources (moto: no delete)
    backend.delete_route_table(table.id)


def _delete_internet_gateway(backend, gateway):
    if gateway.vpc is not None:  # its AWS::EC2::VPCGatewayAttachment (moto: no delete)
        backend.detach_internet_gateway(gateway.id, gateway.vpc.id)
    backend.delete_internet_gateway(gateway.id)


# moto 5.2.1 cannot delete these types of a stack: the delete skipped them, and the VPC then could not
# go ("has dependencies"). Each gets the EC2 call CloudFormation's handler makes (registry schemas:
# DeleteRouteTable, DeleteRoute, DetachInternetGateway and DeleteInternetGateway, DeleteFlowLogs,
# DeleteVpcEndpoints).
ec2_route_tables.RouteTable.delete = _ec2_deleter(_delete_route_table)
ec2_route_tables.Route.delete = _ec2_deleter(lambda backend, route: backend.delete_route(
    route.route_table.id, route.destination_cidr_block, route.destination_ipv6_cidr_block,
    route.destination_prefix_list.id if route.destination_prefix_list else None))
ec2_internet_gateways.InternetGateway.delete = _ec2_deleter(_delete_internet_gateway)
ec2_flow_logs.FlowLogs.delete = _ec2_deleter(lambda backend, log: backend.delete_flow_logs([log.id]))
ec2_vpcs.VPCEndPoint.delete = _ec2_deleter(lambda backend, endpoint: backend.delete_vpc_endpoints([endpoint.id]))


def _create_load_balancer(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    """moto 5.2.1 creates an AWS::ElasticLoadBalancingV2::LoadBalancer without its LoadBalancerAttributes
    (deletion protection, idle timeout, ...); CloudFormation sets them (ModifyLoadBalancerAttributes, in
    the type's create handler)."""
    balancer = _moto_create_load_balancer.__func__(cls, resource_name, cloudformation_json, account_id,
                                                   region_name, **kwargs)
    attributes = cloudformation_json.get("Properties", {}).get("LoadBalancerAttributes") or []
    known = {a["Key"]: str(a["Value"]).lower() if isinstance(a["Value"], bool) else str(a["Value"])
             for a in attributes if a["Key"] in elbv2_models.FakeLoadBalancer.VALID_ATTRS}
    balancer.attrs.update(known)
    return balancer


_moto_create_load_balancer = elbv2_models.FakeLoadBalancer.create_from_cloudformation_json
elbv2_models.FakeLoadBalancer.create_from_cloudformation_json = classmethod(_create_load_balancer)


def _update_termination_protection(self):
    """moto 5.2.1 lacks UpdateTerminationProtection. "Updates termination protection for the specified
    stack" (API Reference): EnableTerminationProtection (required) and StackName in, StackId out; a stack
    that does not exist is a ValidationError. Only the flag is kept (DescribeStacks reports it)."""
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    stack.enable_termination_protection = self._get_param("EnableTerminationProtection") in (True, "true")
    return cloudformation_responses.ActionResult({"StackId": stack.stack_id})


cloudformation_responses.CloudFormationResponse.update_termination_protection = _update_termination_protection


def _change_set_of_stack(response):
    """ChangeSetName and StackName as CloudFormation reads them: a change set name is unique within its stack
    only ("The name of the change set. The name must be unique among all change sets that are associated
    with the specified stack", CreateChangeSet); an ARN names one change set."""
    name, stack = response._get_param("ChangeSetName"), response._get_param("StackName")
    backend = response.cloudformation_backend
    if name in backend.change_sets or not stack:
        return name
    for change_set_id, change_set in backend.change_sets.items():
        if change_set.change_set_name == name and stack in (change_set.stack_name, change_set.stack_id):
            return change_set_id
    raise cloudformation_exceptions.ValidationError(name, message="ChangeSet [%s] does not exist" % name)


def _by_stack(method):
    """moto 5.2.1 finds a change set given by name in any stack: the first (or last) of that name, so every
    stack's preview (one change-set name per pipeline) read and deleted one stack's change set. The call
    goes to moto with the change set's ARN instead."""
    def call(self):
        change_set_id = _change_set_of_stack(self)
        original = self._get_param
        self._get_param = lambda key, default=None: change_set_id if key == "ChangeSetName" else original(key, default)
        try:
            return method(self)
        finally:
            self._get_param = original
    return call


for _name in ("describe_change_set", "delete_change_set", "execute_change_set"):
    setattr(cloudformation_responses.CloudFormationResponse, _name,
            _by_stack(getattr(cloudformation_responses.CloudFormationResponse, _name)))


def _list_change_sets(self):
    """moto 5.2.1 lists every change set of every stack; ListChangeSets "Returns the ID and status of each
    active change set for a stack" (API Reference)."""
    stack = self._get_param("StackName")
    summaries = [c for c in self.cloudformation_backend.list_change_sets() if stack in (c.stack_name, c.stack_id)]
    return cloudformation_responses.ActionResult({"Summaries": summaries})


cloudformation_responses.CloudFormationResponse.list_change_sets = _list_change_sets

def _references(value, conditions, seen=()):
    """The parameters and resources a template value uses: Ref, ${Name} in Fn::Sub, and through the
    conditions it names (Fn::If, Condition), what those conditions use."""
    found = set()
    if isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt" and isinstance(arg, list):
                found.add(arg[0])
            elif key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) else arg
                local = set(arg[1]) if isinstance(arg, list) and len(arg) > 1 else set()
                found |= {n.split(".")[0] for n in re.findall(r"\$\{([^}!][^}]*)}", text) if n not in local}
                found |= _references(arg[1:] if isinstance(arg, list) else [], conditions, seen)
            elif key == "Fn::If" and isinstance(arg, list) and isinstance(arg[0], str) or \
                    key == "Condition" and isinstance(arg, str):
                name = arg[0] if key == "Fn::If" else arg
                if name in conditions and name not in seen:
                    found |= _references(conditions[name], conditions, seen + (name,))
                found |= _references(arg[1:] if key == "Fn::If" else [], conditions, seen)
            else:
                found |= _references(arg, conditions, seen)
    elif isinstance(value, list):
        for v in value:
            found |= _references(v, conditions, seen)
    return found


def _build_resource_diff(self, other_template, parameters=None):
    """moto 5.2.1 updates a resource whose template text is unchanged only when a changed parameter is
    the target of a Ref in it, so a new value reaching a resource through ${Name} in Fn::Sub (the service's
    image tag), through a condition (the listener rules' live weights) or through another resource that
    changes (a new task definition revision, which the service names) updates nothing. CloudFormation
    updates every resource whose resolved properties change ("Modify": a change set lists it), so such
    resources are modified too (those that refer to a modified resource always: moto cannot tell whether the
    value they read changed)."""
    diff = _moto_build_resource_diff(self, other_template, parameters)
    changed = {p for p in (parameters or {}) if self.input_parameters.get(p) != parameters[p]}
    conditions = other_template.get("Conditions") or {}
    while True:
        modified = changed | set(diff["Modify"]) | set(diff["Add"])
        more = [name for name, resource in other_template["Resources"].items()
                if name in self._resource_json_map and name not in diff["Modify"]
                and resource == self._resource_json_map[name] and _references(resource, conditions) & modified]
        if not more:
            return diff
        diff["Modify"].extend(more)


_moto_build_resource_diff = cloudformation_parsing.ResourceMap.build_resource_diff
cloudformation_parsing.ResourceMap.build_resource_diff = _build_resource_diff

STATE_DIR = None


def _describe_stacks(self, name_or_stack_id):
    """Stack operations in moto finish within their call, so no stack is ever seen *_IN_PROGRESS, as one
    is in CloudFormation while an operation (perhaps one a cancelled job left) runs. A test that needs that
    writes DIR/stack-statuses.json, {"<stack name>": ["UPDATE_IN_PROGRESS", ...]}: each DescribeStacks of
    that stack answers the next status, then the stack's own again."""
    stacks = _moto_describe_stacks(self, name_or_stack_id)
    path = os.path.join(STATE_DIR or "", "stack-statuses.json")
    if STATE_DIR and os.path.exists(path) and len(stacks) == 1:
        with open(path) as f:
            queued = json.load(f)
        pending = queued.get(stacks[0].name) or []
        if pending:
            shown = copy.copy(stacks[0])
            shown.status = pending.pop(0)
            with open(path, "w") as f:
                json.dump(queued, f)
            return [shown]
    return stacks


_moto_describe_stacks = cloudformation_models.CloudFormationBackend.describe_stacks
cloudformation_models.CloudFormationBackend.describe_stacks = _describe_stacks


def _load_balancer_attribute(self, attribute_name):
    """moto 5.2.1 leaves LoadBalancerFullName of AWS::ElasticLoadBalancingV2::LoadBalancer unimplemented:
    "LoadBalancerFullName: The full name of the load balancer. For example,
    app/my-load-balancer/50dc6c495c0c9188" (CloudFormation User Guide, the resource's return values), the
    part of its ARN after "loadbalancer/"."""
    if attribute_name == "LoadBalancerFullName":
        return self.arn.split(":loadbalancer/", 1)[1]
    return _moto_load_balancer_attribute(self, attribute_name)


def _target_group_attribute(self, attribute_name):
    """moto 5.2.1 has no Fn::GetAtt for AWS::ElasticLoadBalancingV2::TargetGroup; CloudFormation returns
    "TargetGroupFullName: The full name of the target group. For example,
    targetgroup/my-target-group/cbf133c568e0d028", TargetGroupName, TargetGroupArn and LoadBalancerArns
    (CloudFormation User Guide, the resource's return values)."""
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    values = {"TargetGroupFullName": self.arn.split(":", 5)[5], "TargetGroupName": self.name,
              "TargetGroupArn": self.arn, "LoadBalancerArns": list(self.load_balancer_arns)}
    if attribute_name not in values:
        raise UnformattedGetAttTemplateException()
    return values[attribute_name]


def _create_key(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    """moto 5.2.1 hands AWS::KMS::Key's Tags to KMS as they are, but CloudFormation's are "Key" and "Value"
    (CloudFormation User Guide, AWS::KMS::Key Tags: "Key ... Value") where the KMS API's are "TagKey" and
    "TagValue" (KMS API Reference, Tag): a tagged key failed with a KeyError."""
    properties = cloudformation_json.get("Properties", {})
    tags = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in properties.get("Tags", [])]
    json = dict(cloudformation_json, Properties=dict(properties, Tags=tags))
    return _moto_create_key.__func__(cls, resource_name, json, account_id, region_name, **kwargs)


def _create_service(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    """moto 5.2.1 creates an AWS::ECS::Service without DesiredCount with a desired count of 0;
    CloudFormation: "For new services, if a desired count is not specified, a default value of 1 is used"
    (CloudFormation User Guide, AWS::ECS::Service DesiredCount)."""
    properties = dict(cloudformation_json.get("Properties", {}))
    properties.setdefault("DesiredCount", 1)
    json = dict(cloudformation_json, Properties=properties)
    return _moto_create_service.__func__(cls, resource_name, json, account_id, region_name, **kwargs)


_moto_create_service = ecs_models.Service.create_from_cloudformation_json
ecs_models.Service.create_from_cloudformation_json = classmethod(_create_service)
_moto_create_key = kms_models.Key.create_from_cloudformation_json
kms_models.Key.create_from_cloudformation_json = classmethod(_create_key)
def _delete_target_group(self, account_id, region_name):
    """moto 5.2.1 cannot delete an AWS::ElasticLoadBalancingV2::TargetGroup of a stack (no delete for the
    type), so a deleted or rolled-back stack left its target groups, and a retry failed on their names;
    CloudFormation deletes a stack's resources (DeleteTargetGroup)."""
    elbv2_models.elbv2_backends[account_id][region_name].delete_target_group(self.arn)


elbv2_models.FakeTargetGroup.delete = _delete_target_group
_moto_load_balancer_attribute = elbv2_models.FakeLoadBalancer.get_cfn_attribute
elbv2_models.FakeLoadBalancer.get_cfn_attribute = _load_balancer_attribute
elbv2_models.FakeTargetGroup.get_cfn_attribute = _target_group_attribute

class OidcProvider(CloudFormationModel):
    """moto 5.2.1 has IAM's OIDC providers but no CloudFormation type for them: a stack's
    AWS::IAM::OIDCProvider created nothing (moto only logs "No Moto CloudFormation support"). As the
    resource's registry schema documents it (aws-iam-oidcprovider.json: create calls
    iam:CreateOpenIDConnectProvider, delete iam:DeleteOpenIDConnectProvider; primaryIdentifier Arn, the
    Ref value), it is created in moto's IAM, where the bootstrap finds it, and deleted with its stack."""

    __module__ = "moto.iam.oidc_provider"  # moto files its models by the package under moto.

    def __init__(self, provider):
        self.provider = provider

    @staticmethod
    def cloudformation_type():
        return "AWS::IAM::OIDCProvider"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json.get("Properties", {})
        return cls(iam_models.iam_backends[account_id][get_partition(region_name)].create_open_id_connect_provider(
            properties["Url"], properties.get("ThumbprintList", []), properties.get("ClientIdList", []),
            properties.get("Tags", [])))

    @property
    def physical_resource_id(self):
        return self.provider.arn

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name):
        return self.provider.arn

    def delete(self, account_id, region_name):
        iam_models.iam_backends[account_id][get_partition(region_name)].delete_open_id_connect_provider(self.provider.arn)


TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113."
SESSION = botocore.session.get_session()
ECS = SESSION.get_service_model("ecs")
BRIEF = list(ECS.shape_for("ServiceDeploymentBrief").members)
# "View service history using Amazon ECS service deployments": Completed = SUCCESSFUL, STOPPED,
# ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED.
TERMINAL = {"SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"}
DEFAULT_STEPS = [{"status": "IN_PROGRESS"}, {"status": "SUCCESSFUL"}]
# Hop-by-hop headers, and the ones the relay recomputes, are not copied.
HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade",
       "content-length", "expect"}


class ApiError(Exception):
    """An error in the JSON protocol's shape: {"__type": CODE, "message": ...}."""

    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def enum_errors(value, shape, path):
    """botocore.validate does not check enums; this does."""
    if shape.type_name == "structure" and isinstance(value, dict):
        return [e for k, v in value.items() if k in shape.members
                for e in enum_errors(v, shape.members[k], f"{path}.{k}")]
    if shape.type_name == "list" and isinstance(value, list):
        return [e for i, v in enumerate(value) for e in enum_errors(v, shape.member, f"{path}[{i}]")]
    enum = getattr(shape, "enum", None)
    return [f"{path}: {value!r} is not one of {', '.join(enum)}"] if enum and value not in enum else []


def problems(value, shape):
    """How value does not match the model's shape (timestamps as epoch seconds), or None."""
    try:
        validate_parameters(value, shape)
    except ParamValidationError as e:
        return str(e)
    return "; ".join(enum_errors(value, shape, shape.name)) or None


def epoch(value):
    """A Timestamp: the JSON protocol sends epoch seconds; ISO strings are accepted too."""
    return value if value is None or isinstance(value, (int, float)) else parse_timestamp(value).timestamp()


class EcsShim:
    def __init__(self, moto_url, state_dir):
        self.moto_url, self.state_dir, self.lock, self.clients = moto_url, state_dir, threading.Lock(), {}
        self.reset()

    def reset(self):
        with self.lock:
            self.services, self.deployments, self.revisions = {}, {}, {}

    def respond(self, operation, body, authorization):
        # The caller's access key (moto's account) and region, from its SigV4 credential scope.
        m = re.search(r"Credential=([^/]+)/[^/]+/([^/]+)/", authorization)
        key, region = m.groups() if m else ("testing", "us-east-1")
        status = 200
        try:
            out = self.handle(operation, body, region, key)
        except ApiError as e:
            out, status = {"__type": e.code, "message": e.message}, e.status
        except Exception as e:  # a bug or a bad scenario file: fail loudly
            traceback.print_exc()
            out, status = {"__type": "ServerException", "message": f"aws_emulator shim failed: {e!r}"}, 500
        data = json.dumps(out).encode()
        return status, [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(data))),
                        ("x-amzn-RequestId", str(uuid.uuid4()))], data

    def handle(self, operation, body, region, key):
        op = ECS.operation_model(operation)
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            raise ApiError("SerializationException", "The request body is not JSON.")
        # InvalidParameterException (in both operations' errors): "The specified parameter isn't
        # valid. Review the available parameters for the API request."
        if problem := problems(params, op.input_shape):
            raise ApiError("InvalidParameterException", problem)
        with self.lock:
            if (region, key) not in self.clients:
                self.clients[(region, key)] = SESSION.create_client(
                    "ecs", region_name=region, endpoint_url=self.moto_url, aws_access_key_id=key,
                    aws_secret_access_key="unused")
            out = copy.deepcopy(getattr(self, operation)(self.clients[(region, key)], params))
        if problem := problems(out, op.output_shape):
            raise ApiError("ServerException", f"aws_emulator built an invalid {operation}: {problem}", 500)
        return out

    def refresh(self, ecs, cluster, service):
        """Asks moto for the service; records a deployment if its task definition is new or changed."""
        try:  # moto answers ClusterNotFoundException: "The specified cluster wasn't found."
            found = ecs.describe_services(cluster=cluster, services=[service])
        except ClientError as e:
            raise ApiError(e.response["Error"]["Code"], e.response["Error"]["Message"])
        if not found["services"]:
            # ServiceNotFoundException: "The specified service wasn't found. [...] Amazon ECS services
            # are cluster specific and Region specific."
            raise ApiError("ServiceNotFoundException", "Service not found.")
        svc = found["services"][0]
        td = svc.get("taskDefinition")
        if td and not td.startswith("arn:"):  # moto keeps UpdateService's "family:revision" as given
            td = ecs.describe_task_definition(taskDefinition=td)["taskDefinition"]["taskDefinitionArn"]
        seen = self.services.setdefault(svc["serviceArn"], {"td": None, "revision": None, "deployments": []})
        if td and td != seen["td"]:
            self.record(svc, seen, td)
        return seen

    def scenario(self, deployment_id):
        path = os.path.join(self.state_dir, "ecs-next-deployment.json")
        if not os.path.exists(path):
            return DEFAULT_STEPS
        with open(path) as f:
            steps = json.load(f)["steps"]
        os.replace(path, os.path.join(self.state_dir, f"ecs-deployment-{deployment_id}.json"))
        assert steps and all(isinstance(s, dict) for s in steps), f"{path}: steps: a list of objects"
        return steps

    def record(self, svc, seen, td):
        prefix, desired, now = svc["serviceArn"].split(":service/")[0], svc.get("desiredCount", 0), time.time()
        path, deployment_id = f"{svc['clusterArn'].split('/')[-1]}/{svc['serviceName']}", uuid.uuid4().hex[:22]
        revision = f"{prefix}:service-revision/{path}/{random.randrange(10**18, 10**19)}"
        self.revisions[revision] = td
        # ServiceDeployment: "sourceServiceRevisions: The currently deployed workload configuration.",
        # "targetServiceRevision: The workload configuration being deployed." (ServiceRevisionSummary:
        # "the number of requested, pending, and running tasks for a service revision")
        source = [{"arn": seen["revision"], "requestedTaskCount": desired, "runningTaskCount": desired,
                   "pendingTaskCount": 0}] if seen["revision"] else []
        record = {
            "serviceDeploymentArn": f"{prefix}:service-deployment/{path}/{deployment_id}",
            "serviceArn": svc["serviceArn"], "clusterArn": svc["clusterArn"], "createdAt": now,
            "updatedAt": now, "status": "PENDING", "sourceServiceRevisions": source,
            "targetServiceRevision": {"arn": revision, "requestedTaskCount": desired, "runningTaskCount": 0,
                                      "pendingTaskCount": desired},
        }
        if svc.get("deploymentConfiguration"):  # moto keeps it from UpdateService, not CreateService
            record["deploymentConfiguration"] = svc["deploymentConfiguration"]
        self.deployments[record["serviceDeploymentArn"]] = {
            "record": record, "steps": self.scenario(deployment_id), "next": 0}
        seen.update(td=td, revision=revision)
        seen["deployments"].append(record["serviceDeploymentArn"])

    def advance(self, ecs, deployment):
        record, steps, now = deployment["record"], deployment["steps"], time.time()
        before = record["status"]
        for k, v in steps[min(deployment["next"], len(steps) - 1)].items():
            record[k] = {**record.get(k, {}), **v} if isinstance(v, dict) else v
        deployment["next"] += 1
        status, record["updatedAt"] = record["status"], now
        if status != "PENDING":
            record.setdefault("startedAt", now)
        source = record["sourceServiceRevisions"][0]["arn"] if record["sourceServiceRevisions"] else None
        if status.startswith("ROLLBACK"):
            # Rollback: "startedAt: Time time that the rollback started.", "serviceRevisionArn: The ARN
            # of the service revision deployed as part of the rollback."
            record.setdefault("rollback", {}).setdefault("startedAt", now)
            if source:
                record["rollback"].setdefault("serviceRevisionArn", source)
        if status in TERMINAL:
            # "stoppedAt: The time the service deployment stopped." "finishedAt: The time the service
            # deployment finished."
            record.setdefault("stoppedAt" if status == "STOPPED" else "finishedAt", now)
        if status == "SUCCESSFUL":
            target = record["targetServiceRevision"]
            target.update(runningTaskCount=target["requestedTaskCount"], pendingTaskCount=0)
        if status == "ROLLBACK_SUCCESSFUL" and before != status and source:
            revision = record["rollback"]["serviceRevisionArn"]
            ecs.update_service(cluster=record["clusterArn"], service=record["serviceArn"],
                               taskDefinition=self.revisions[revision])
            self.services[record["serviceArn"]].update(td=self.revisions[revision], revision=revision)

    def ListServiceDeployments(self, ecs, p):
        # "service: The ARN or name of the service"; "cluster: [...] If you don't specify a cluster,
        # default is used."
        seen = self.refresh(ecs, p.get("cluster", "default"), p["service"])
        # createdAt: "before: Include service deployments in the result that were created before this
        # time." "after: [...] created after this time." "If you do not specify a value, the result
        # includes all services created before the current time."
        after, before = (epoch(p.get("createdAt", {}).get(k)) for k in ("after", "before"))
        # status: "If you do not specify a status, then all status values are included in the result."
        statuses = p.get("status") or None
        # maxResults: "This value can be between 1 and 100. If this parameter isn't used, then
        # ListServiceDeployments returns up to 20 results and a nextToken value if applicable."
        limit = p.get("maxResults", 20)
        if not 1 <= limit <= 100:
            raise ApiError("InvalidParameterException", "maxResults must be between 1 and 100.")
        if not re.fullmatch(r"\d*", p.get("nextToken", "")):
            raise ApiError("InvalidParameterException", "Invalid nextToken.")
        records = [r for r in (self.deployments[a]["record"] for a in reversed(seen["deployments"]))
                   if (after is None or r["createdAt"] > after)
                   and (before is None or r["createdAt"] < before)
                   and (statuses is None or r["status"] in statuses)]
        start = int(p.get("nextToken") or 0)
        out = {"serviceDeployments": [
            {k: r[k] for k in BRIEF if k in r} | {"targetServiceRevisionArn": r["targetServiceRevision"]["arn"]}
            for r in records[start:start + limit]]}
        if start + limit < len(records):
            out["nextToken"] = str(start + limit)
        return out

    def DescribeServiceDeployments(self, ecs, p):
        arns = p["serviceDeploymentArns"]
        # serviceDeploymentArns: "You can specify a maximum of 20 ARNs." (not in the model's shape)
        if len(arns) > 20:
            raise ApiError("InvalidParameterException", f"At most 20 serviceDeploymentArns, got {len(arns)}.")
        out = {"serviceDeployments": [], "failures": []}
        for arn in dict.fromkeys(arns):
            parts = arn.split(":service-deployment/")[-1].split("/")
            if ":service-deployment/" in arn and len(parts) == 3:
                try:
                    self.refresh(ecs, parts[0], parts[1])
                except ApiError:
                    pass  # its service or cluster is gone: MISSING unless recorded before
            if arn in self.deployments:
                self.advance(ecs, self.deployments[arn])
                out["serviceDeployments"].append(self.deployments[arn]["record"])
            else:
                # failures: "The failure includes the service revision ARN and the reason set to MISSING."
                out["failures"].append({"arn": arn, "reason": "MISSING", "detail": "No such service deployment."})
        return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_any(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = b""
            while size := int(self.rfile.readline().split(b";")[0], 16):
                body += self.rfile.read(size)
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                pass
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = self.headers.get("X-Amz-Target", "")
        operation = target[len(TARGET_PREFIX):] if target.startswith(TARGET_PREFIX) else "-"
        shimmed = self.command == "POST" and operation in ("ListServiceDeployments", "DescribeServiceDeployments")
        if shimmed:
            status, headers, data = self.server.shim.respond(operation, body, self.headers.get("Authorization", ""))
        else:
            status, headers, data = self.forward(body)
            if self.command == "POST" and self.path.split("?")[0] == "/moto-api/reset" and status == 200:
                self.server.shim.reset()
        self.send_response_only(status)
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        if self.server.verbose:
            sys.stderr.write(f"{self.command} {self.path} {operation} -> {status}{' (shim)' * shimmed}\n")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_any

    def forward(self, body):
        conn = http.client.HTTPConnection(*self.server.moto_address, timeout=300)
        try:
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():  # Host included: moto dispatches on it
                if k.lower() not in HOP:
                    conn.putheader(k, v)
            if body or "Content-Length" in self.headers:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            data = resp.read()
            headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP]
            length = resp.getheader("Content-Length") if self.command == "HEAD" else str(len(data))
            return resp.status, headers + ([("Content-Length", length)] if length is not None else []), data
        finally:
            conn.close()

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)


def main():
    parser = argparse.ArgumentParser(description="moto plus an ECS service-deployments shim, on 127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="0: a free port")
    parser.add_argument("--state", required=True, help="the directory of the scenario files")
    parser.add_argument("--verbose", action="store_true", help="a line per request on stderr")
    args = parser.parse_args()
    os.makedirs(args.state, exist_ok=True)
    global STATE_DIR
    STATE_DIR = args.state
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server would log every request
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads, server.moto_address, server.verbose = True, (host, port), args.verbose
    server.shim = EcsShim(f"http://{host}:{port}", args.state)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"aws-emulator ready on http://127.0.0.1:{server.server_address[1]}", flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    moto.stop()


if __name__ == "__main__":
    main()
