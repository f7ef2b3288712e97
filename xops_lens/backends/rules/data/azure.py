"""Azure Pipelines tasks ("Name@version") by name, and those that wrap a tool or a
script."""

from __future__ import annotations

# Azure Pipelines tasks ("Name@version") by name.
AZURE_TASKS: dict[str, str] = {
    "checkout": "checkout",
    "downloadpipelineartifact": "artifact-download",
    "downloadbuildartifacts": "artifact-download",
    "downloadsecurefile": "credentials",
    "downloadgithubrelease": "artifact-download",
    "publishpipelineartifact": "artifact-upload",
    "publishbuildartifacts": "artifact-upload",
    "publishtestresults": "report",
    "publishcodecoverageresults": "report",
    "publishsymbols": "publish",
    "copyfiles": "build",
    "deletefiles": "toolchain",
    "archivefiles": "build",
    "extractfiles": "dependencies",
    "cmake": "build",
    "msbuild": "build",
    "vsbuild": "build",
    "vstest": "test",
    "dotnetcorecli": "build",
    "nugetcommand": "dependencies",
    "nugetauthenticate": "credentials",
    "nugettoolinstaller": "toolchain",
    "npmauthenticate": "credentials",
    "pipauthenticate": "credentials",
    "twineauthenticate": "credentials",
    "mavenauthenticate": "credentials",
    "docker": "build",
    "dockercompose": "toolchain",
    "kubernetesmanifest": "deploy",
    "kubernetes": "deploy",
    "helmdeploy": "deploy",
    "helminstaller": "toolchain",
    "azurewebapp": "deploy",
    "azurermwebappdeployment": "deploy",
    "azurefunctionapp": "deploy",
    "azureresourcemanagertemplatedeployment": "deploy",
    "azurefilecopy": "publish",
    "azurekeyvault": "credentials",
    "usepythonversion": "toolchain",
    "usenode": "toolchain",
    "nodetool": "toolchain",
    "usedotnet": "toolchain",
    "javatoolinstaller": "toolchain",
    "gotool": "toolchain",
    "userubyversion": "toolchain",
    "cache": "cache-restore",
    "cachebeta": "cache-restore",
    "maven": "build",
    "gradle": "build",
    "ant": "build",
    "xcode": "build",
    "gulp": "build",
    "npm": "dependencies",
    "manualvalidation": "approve",
    "github release": "publish",
    "githubrelease": "publish",
    "esrpcodesigning": "build",
    "sfp.build-tasks.custom-build-task": "build",
    "codeql3000init": "analysis",
    "codeql3000finalize": "analysis",
    "credscan": "analysis",
    "componentgovernancecomponentdetection": "analysis",
    "antimalware": "analysis",
    "binskim": "analysis",
    "postanalysis": "analysis",
    "sdl": "analysis",
    "tsaupload": "report",
    "publishsecurityanalysislogs": "report",
    "sonarqubeprepare": "analysis",
    "sonarqubeanalyze": "analysis",
    "sonarqubepublish": "report",
    "sonarcloudprepare": "analysis",
    "sonarcloudanalyze": "analysis",
    "sonarcloudpublish": "report",
    "universalpackages": "publish",
    "servicebus": "notify",
    "invokerestapi": "notify",
    "1es.publishpipelineartifact": "artifact-upload",
    "1es.publishbuildartifacts": "artifact-upload",
    "1es.downloadpipelineartifact": "artifact-download",
    "microbuildsigningplugin": "build",
    "microbuildcleanup": "toolchain",
    "onebranch.pipeline.signing": "build",
    "onebranch.pipeline.version": "decide",
    "installappleprovisioningprofile": "credentials",
    "installapplecertificate": "credentials",
    "sshkey": "credentials",
    "installsshkey": "credentials",
    "ftpupload": "deploy",
    "copyfilesoverssh": "deploy",
    "sshdeployment": "deploy",
    "publishtoazureservicebus": "notify",
}

# Azure tasks that wrap one tool and take its subcommand in an input:
# task -> (program, input naming the subcommand). AZURE_COMMAND_WORDS rewrites task
# commands that are no subcommand of the program itself.
AZURE_COMMAND_TASKS: dict[str, tuple[str, str]] = {
    "dotnetcorecli": ("dotnet", "command"), "nugetcommand": ("nuget", "command"),
    "npm": ("npm", "command"), "docker": ("docker", "command"),
    "dockercompose": ("docker-compose", "dockercomposecommand"),
    "gradle": ("gradle", "tasks"), "maven": ("mvn", "goals"),
}
AZURE_COMMAND_WORDS: dict[str, str] = {
    "dotnet push": "dotnet nuget push", "docker buildandpush": "docker push",
    "npm custom": "npm",
}

# Azure tasks that only move files: alone they keep their kind above, beside other tasks
# (a `${{ if }}` block rendered as one step) they are chores like cp and rm.
AZURE_FILE_TASKS: frozenset[str] = frozenset(("copyfiles", "deletefiles"))

# Azure tasks that run a script given in their inputs: the script decides the kind.
AZURE_SCRIPT_TASKS: frozenset[str] = frozenset(
    "powershell pwsh bash cmdline shellscript azurecli azurepowershell pythonscript "
    "batchscript".split()
)
