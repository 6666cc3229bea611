# Build CSPDesk's Windows bundle and MSI (run on Windows; PyInstaller cannot cross-build).
#
#   py -3.11 -m venv .venv-bundle
#   .venv-bundle\Scripts\pip install -e ".[gui]" "pyinstaller~=6.22"
#   .venv-bundle\Scripts\Activate.ps1
#   powershell -ExecutionPolicy Bypass -File installer\build-windows.ps1 [-SelfTest] [-SkipMsi]
#
# 1. installer\make_icons.py   -> installer\build\icons\ (cspdesk.ico among them)
# 2. PyInstaller               -> dist\CSPDesk\ (CSPDesk.exe windowed, cspdesk-cli.exe console)
# 3. -SelfTest                 -> dist\CSPDesk\cspdesk-cli.exe --self-test (offscreen), and the windowed
#                                 CSPDesk.exe --self-test for its exit code
# 4. WiX Toolset 3 (heat, candle, light; "choco install wixtoolset" or wixtoolset.org) ->
#    dist\cspdesk-<version>-windows-x64.msi. heat harvests the bundle into build\msi\files.wxs (the
#    component group CSPDeskFiles that installer\windows\cspdesk.wxs installs into INSTALLDIR).
#    The same .wxs builds with msitools' wixl on Linux: installer\windows\build-msi-wixl.sh.
param([switch]$SelfTest, [switch]$SkipMsi)
$ErrorActionPreference = "Stop"
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root

function Invoke-Checked([string]$What, [scriptblock]$Command) {
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit $LASTEXITCODE)" }
}

$Version = (Select-String -Path cspdesk\__init__.py -Pattern '__version__ = "(.+)"').Matches[0].Groups[1].Value
$env:QT_QPA_PLATFORM = "offscreen"

Write-Host "== icons"
Invoke-Checked "make_icons" { python installer\make_icons.py }

Write-Host "== PyInstaller (one folder)"
Invoke-Checked "PyInstaller" {
    python -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build\pyinstaller installer\cspdesk.spec
}
"{0:N0} MB in dist\CSPDesk" -f ((Get-ChildItem dist\CSPDesk -Recurse -File | Measure-Object Length -Sum).Sum / 1MB)

if ($SelfTest) {
    Write-Host "== self-test (console program)"
    Invoke-Checked "the self-test" { dist\CSPDesk\cspdesk-cli.exe --self-test }
    Write-Host "== self-test (windowed program: exit code only, it has no console)"
    $p = Start-Process -FilePath dist\CSPDesk\CSPDesk.exe -ArgumentList "--self-test" -Wait -PassThru
    if ($p.ExitCode -ne 0) { throw "CSPDesk.exe --self-test exited $($p.ExitCode)" }
}

if (-not $SkipMsi) {
    Write-Host "== MSI (WiX 3)"
    New-Item -ItemType Directory -Force build\msi | Out-Null
    Invoke-Checked "heat" {
        heat.exe dir dist\CSPDesk -nologo -cg CSPDeskFiles -dr INSTALLDIR -srd -sreg -ag -sfrag `
            -var var.SourceDir -out build\msi\files.wxs
    }
    Invoke-Checked "candle" {
        candle.exe -nologo -arch x64 "-dVersion=$Version" "-dSourceDir=dist\CSPDesk" `
            "-dIconFile=installer\build\icons\cspdesk.ico" "-dWin64=yes" -out build\msi\ `
            installer\windows\cspdesk.wxs build\msi\files.wxs
    }
    $Msi = "dist\cspdesk-$Version-windows-x64.msi"
    Invoke-Checked "light" { light.exe -nologo -spdb -out $Msi build\msi\cspdesk.wixobj build\msi\files.wixobj }
    Get-Item $Msi | Format-Table Name, Length
}
