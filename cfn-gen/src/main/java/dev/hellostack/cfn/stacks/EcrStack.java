package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Fn;
import dev.hellostack.cfn.model.Obj;
import dev.hellostack.cfn.model.Parameter;
import dev.hellostack.cfn.model.Resource;
import dev.hellostack.cfn.model.Template;

/**
 * The container image repository: immutable tags, scan on push, encryption at rest, a lifecycle
 * policy, and kept when the stack is deleted. The pipeline pushes to its URI; the service imports it.
 */
public final class EcrStack implements Stack {

    static final String REPOSITORY_NAME = "RepositoryName";
    static final String REPOSITORY_ARN = "RepositoryArn";
    static final String REPOSITORY_URI = "RepositoryUri";

    @Override
    public String name() {
        return "ecr";
    }

    @Override
    public String summary() {
        return "ECR repository: immutable tags, scan on push, AES256 or KMS encryption, lifecycle policy, retained on delete";
    }

    @Override
    public Template template() {
        Template t = new Template(name(), "hello-stack: ECR repository for the application image "
                + "(immutable tags, scan on push, lifecycle policy, retained on stack deletion).");
        AppEnv app = AppEnv.declare(t);
        Parameter keep = t.parameter("KeepTaggedImages", "Number")
                .defaultValue(100)
                .range(1, 1000)
                .description("How many tagged images to keep; older ones expire. Untagged images expire after 7 days.")
                .constraintDescription("KeepTaggedImages: an integer from 1 to 1000.");
        Parameter kmsKey = t.parameter("KmsKeyArn", "String")
                .defaultValue("")
                .allowedPattern("^$|^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$")
                .description("ARN of a KMS key to encrypt images with; empty uses AES256 (S3-managed keys).")
                .constraintDescription("KmsKeyArn: empty, or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>).");
        t.parameterGroup("Application", app.appName, app.envName);
        t.parameterGroup("Images", keep, kmsKey);

        Fn.Condition useKms = t.condition("UseKmsKey", Fn.not(Fn.equalsFn(kmsKey.ref(), "")));

        Resource repo = t.resource("Repository", "AWS::ECR::Repository")
                .deletionPolicy(Resource.Policy.Retain)
                .updateReplacePolicy(Resource.Policy.Retain)
                .prop("RepositoryName", AppEnv.name(""))
                .prop("ImageTagMutability", "IMMUTABLE")
                .prop("ImageScanningConfiguration", Obj.of("ScanOnPush", true))
                .prop("EncryptionConfiguration", Obj.of(
                        "EncryptionType", Fn.ifThen(useKms, "KMS", "AES256"),
                        "KmsKey", Fn.ifThen(useKms, kmsKey.ref(), Fn.Pseudo.NO_VALUE)))
                .prop("LifecyclePolicy", Obj.of("LifecyclePolicyText", Fn.sub(LIFECYCLE_POLICY)))
                .prop("Tags", app.tags());

        t.output("RepositoryName", repo.ref())
                .description("Name of the image repository.")
                .export(AppEnv.exportName(REPOSITORY_NAME));
        t.output("RepositoryArn", repo.getAtt("Arn"))
                .description("ARN of the image repository.")
                .export(AppEnv.exportName(REPOSITORY_ARN));
        t.output("RepositoryUri", repo.getAtt("RepositoryUri"))
                .description("URI the pipeline pushes images to and the service pulls them from.")
                .export(AppEnv.exportName(REPOSITORY_URI));
        return t;
    }

    /** Untagged images expire after 7 days; only the newest KeepTaggedImages tagged images are kept. */
    static final String LIFECYCLE_POLICY = """
            {
              "rules": [
                {
                  "rulePriority": 1,
                  "description": "Expire untagged images after 7 days",
                  "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 7
                  },
                  "action": { "type": "expire" }
                },
                {
                  "rulePriority": 2,
                  "description": "Keep only the newest ${KeepTaggedImages} tagged images",
                  "selection": {
                    "tagStatus": "tagged",
                    "tagPatternList": ["*"],
                    "countType": "imageCountMoreThan",
                    "countNumber": ${KeepTaggedImages}
                  },
                  "action": { "type": "expire" }
                }
              ]
            }
            """;
}
