"""Demo catalog: the seven sub-project owners, their programs and courses, in both languages."""

from typing import Any

TOPICS: list[dict[str, str]] = [
    {"slug": "entrepreneurship", "name_zh": "创业", "name_en": "Entrepreneurship"},
    {"slug": "design-thinking", "name_zh": "设计思维", "name_en": "Design Thinking"},
    {"slug": "innovation-methods", "name_zh": "创新方法", "name_en": "Innovation Methods"},
    {"slug": "digital-skills", "name_zh": "数字技能", "name_en": "Digital Skills"},
    {"slug": "smart-manufacturing", "name_zh": "智能制造", "name_en": "Smart Manufacturing"},
    {"slug": "intelligent-transport", "name_zh": "智慧交通", "name_en": "Intelligent Transport"},
    {"slug": "modern-agriculture", "name_zh": "现代农业", "name_en": "Modern Agriculture"},
    {"slug": "teacher-education", "name_zh": "教师教育", "name_en": "Teacher Education"},
    {"slug": "green-energy", "name_zh": "绿色能源与低碳", "name_en": "Green Energy and Low Carbon"},
    {"slug": "business-finance", "name_zh": "商业与财务", "name_en": "Business and Finance"},
    {"slug": "intellectual-property", "name_zh": "知识产权", "name_en": "Intellectual Property"},
    {"slug": "e-commerce", "name_zh": "电子商务", "name_en": "E-commerce"},
    {"slug": "industrial-safety", "name_zh": "安全生产", "name_en": "Industrial Safety"},
    {"slug": "data-analytics", "name_zh": "数据分析", "name_en": "Data Analytics"},
]

INSTITUTIONS: list[dict[str, Any]] = [
    {
        "code": "CQJTU",
        "name_zh": "重庆交通大学",
        "name_en": "Chongqing Jiaotong University",
        "short_name_zh": "重庆交大",
        "short_name_en": "CQJTU",
        "kind": "university",
        "district": "南岸区",
        "website": "https://www.cqjtu.edu.cn/",
        "contact_email": "",
        "project_output": 1,
        "description_zh": (
            "重庆交通大学以交通运输、土木与桥梁工程、物流等学科见长。在本项目"
            "中，学校依托交通行业背景，开设智慧交通与智慧物流方向的创新创业辅"
            "修、微专业和证书课程，引导学生把专业知识转化为创新项目和创业实践。"
        ),
        "description_en": (
            "Chongqing Jiaotong University is known for transport engineering, civil and bridge "
            "engineering, and logistics. In this project it runs innovation and entrepreneurship "
            "minors, micro-credentials and certificates in smart transport and smart logistics, "
            "helping students turn engineering knowledge into innovation projects and new ventures."
        ),
        "programs": [
            {
                "code": "CQJTU-ST-MINOR",
                "kind": "minor",
                "name_zh": "智慧交通创新创业辅修",
                "name_en": "Minor in Smart Transport Innovation and Entrepreneurship",
                "description_zh": (
                    "面向全校本科生开设，将智慧交通专业知识与创新创业"
                    "训练相结合，以真实交通问题为载体完成创新项目。"
                ),
                "description_en": (
                    "Open to undergraduates across the university, this minor "
                    "combines smart transport knowledge with innovation and "
                    "entrepreneurship training built around real transport problems."
                ),
            },
            {
                "code": "CQJTU-LOG-MC",
                "kind": "micro_credential",
                "name_zh": "智慧物流创新微专业",
                "name_en": "Micro-credential in Smart Logistics Innovation",
                "description_zh": (
                    "聚焦物流与供应链领域的数字化创新，帮助学"
                    "生掌握数据驱动的物流优化与服务设计方法。"
                ),
                "description_en": (
                    "Focuses on digital innovation in logistics and supply "
                    "chains, with data-driven methods for optimising "
                    "logistics operations and designing new services."
                ),
            },
            {
                "code": "CQJTU-IE-CERT",
                "kind": "certificate",
                "name_zh": "创新创业能力证书",
                "name_en": "Certificate in Innovation and Entrepreneurship",
                "description_zh": "修读创新创业基础类课程并完成一项创新实践项目，即可获得该证书。",
                "description_en": (
                    "Awarded to students who complete the foundation courses in "
                    "innovation and entrepreneurship and carry out one innovation project."
                ),
            },
        ],
        "courses": [
            {
                "code": "IE101",
                "title_zh": "创新创业基础",
                "title_en": "Foundations of Innovation and Entrepreneurship",
                "summary_zh": "系统介绍创新创业的基本概念、过程和方法，帮助学生建立创业思维。",
                "summary_en": (
                    "An introduction to the core concepts, processes and methods "
                    "of innovation and entrepreneurship for students of all majors."
                ),
                "description_zh": (
                    "学生通过案例研讨和小组练习，了解机会识别、团队组建、商"
                    "业模式和创业资源等基本内容。课程结束时，各小组提交一份"
                    "初步的创业项目构想，并能清楚阐述其目标用户和价值主张。"
                ),
                "description_en": (
                    "Students work through case discussions and team exercises on "
                    "opportunity recognition, team building, business models and startup "
                    "resources. By the end of the course each team presents an early "
                    "venture concept and can explain its target users and value proposition."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "introductory",
                "topics": ["entrepreneurship", "innovation-methods"],
                "programs": ["CQJTU-ST-MINOR", "CQJTU-IE-CERT"],
                "prerequisites": [],
            },
            {
                "code": "IE102",
                "title_zh": "设计思维与工程创新",
                "title_en": "Design Thinking for Engineering Innovation",
                "summary_zh": "以设计思维的五个阶段为主线，训练面向用户需求的工程创新能力。",
                "summary_en": (
                    "A hands-on course that applies the five stages of design "
                    "thinking to engineering problems, taught in Chinese and English."
                ),
                "description_zh": (
                    "学生以交通出行中的实际痛点为题，完成用户访谈、问题定义、"
                    "创意发散、原型制作和测试迭代的完整流程。学完后，学生能够"
                    "组织设计思维工作坊，并用低成本原型快速验证工程方案。"
                ),
                "description_en": (
                    "Students take a real pain point in everyday travel through "
                    "user interviews, problem definition, ideation, prototyping and "
                    "testing. Afterwards they can run a design thinking workshop "
                    "and use low-cost prototypes to test engineering ideas quickly."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "bilingual",
                "level": "introductory",
                "topics": ["design-thinking", "innovation-methods"],
                "programs": ["CQJTU-ST-MINOR", "CQJTU-IE-CERT"],
                "prerequisites": [],
            },
            {
                "code": "TR201",
                "title_zh": "智慧交通系统创新",
                "title_en": "Innovation in Intelligent Transport Systems",
                "summary_zh": "介绍智能交通系统的关键技术与应用场景，探讨其中的创新与创业机会。",
                "summary_en": (
                    "Covers the key technologies and applications of intelligent transport "
                    "systems and the innovation and business opportunities they create."
                ),
                "description_zh": (
                    "课程围绕车路协同、智能信号控制、出行即服务和智慧停车等"
                    "场景展开，学生分组分析技术路线与商业模式。学完后，学生"
                    "能够评估一项智慧交通创新方案的技术可行性和市场前景。"
                ),
                "description_en": (
                    "The course looks at vehicle-road cooperation, adaptive signal "
                    "control, mobility as a service and smart parking, and teams "
                    "analyse both the technology and the business model behind "
                    "each. Afterwards students can assess the technical feasibility "
                    "and market potential of an intelligent transport solution."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "intermediate",
                "topics": ["intelligent-transport", "innovation-methods"],
                "programs": ["CQJTU-ST-MINOR"],
                "prerequisites": ["IE101"],
            },
            {
                "code": "TR202",
                "title_zh": "交通大数据分析与应用",
                "title_en": "Transport Data Analytics and Applications",
                "summary_zh": "利用交通运行数据开展分析与可视化，支撑交通管理决策和产品创新。",
                "summary_en": (
                    "Uses real traffic and travel data for analysis and visualisation "
                    "that support transport management decisions and new products."
                ),
                "description_zh": (
                    "学生使用Python处理公交刷卡、道路卡口和网约车轨迹等数据，"
                    "完成客流分析、拥堵识别和可视化展示。学完后，学生能够独立"
                    "完成一项交通数据分析任务，并据此提出改进建议或产品构想。"
                ),
                "description_en": (
                    "Students use Python to process bus smart-card records, roadside "
                    "camera counts and ride-hailing trajectories, then analyse "
                    "passenger flows, detect congestion and visualise the results. "
                    "Afterwards they can carry out a transport data analysis on their "
                    "own and turn the findings into recommendations or product ideas."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "intermediate",
                "topics": ["data-analytics", "intelligent-transport", "digital-skills"],
                "programs": ["CQJTU-ST-MINOR", "CQJTU-LOG-MC"],
                "prerequisites": [],
            },
            {
                "code": "LG210",
                "title_zh": "智慧物流与供应链创新",
                "title_en": "Smart Logistics and Supply Chain Innovation",
                "summary_zh": "探讨物联网、自动化和平台经济如何重塑物流与供应链服务。",
                "summary_en": (
                    "Explores how the Internet of Things, automation and platform "
                    "business models are reshaping logistics and supply chain services."
                ),
                "description_zh": (
                    "课程结合重庆内陆开放和多式联运的实际案例，分析仓储、配"
                    "送和跨境物流中的创新实践。学生分组设计一项物流服务改进"
                    "方案，学完后能够运用供应链思维发现并论证新的服务机会。"
                ),
                "description_en": (
                    "Drawing on cases from Chongqing's inland logistics hub and multimodal "
                    "freight, the course examines innovation in warehousing, delivery and "
                    "cross-border logistics. Teams design an improved logistics service and learn "
                    "to spot and justify new service opportunities with supply chain thinking."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "intermediate",
                "topics": ["intelligent-transport", "business-finance"],
                "programs": ["CQJTU-LOG-MC"],
                "prerequisites": [],
            },
            {
                "code": "IE301",
                "title_zh": "交通科技创业项目实践",
                "title_en": "Transport Tech Venture Studio",
                "summary_zh": "以团队形式孵化一项交通科技创业项目，完成从验证到路演的全过程。",
                "summary_en": (
                    "A project-based studio, taught in English, in which teams develop "
                    "a transport technology venture from validation to investor pitch."
                ),
                "description_zh": (
                    "各团队在导师指导下开展客户验证、最小可行产品开发、财务"
                    "测算和融资路演，课程对国际学生开放。学完后，学生能够完"
                    "成一份完整的商业计划书，并代表团队参加创新创业大赛。"
                ),
                "description_en": (
                    "Under the guidance of faculty and industry mentors, teams validate "
                    "customers, build a minimum viable product, prepare financial "
                    "projections and pitch to investors; the course is open to international "
                    "students. Afterwards students can write a complete business plan and "
                    "represent their team in innovation and entrepreneurship competitions."
                ),
                "credits": "3.0",
                "class_hours": 48,
                "language": "en",
                "level": "advanced",
                "topics": ["entrepreneurship", "intelligent-transport", "business-finance"],
                "programs": ["CQJTU-ST-MINOR"],
                "prerequisites": ["TR201"],
            },
        ],
    },
    {
        "code": "CQUST",
        "name_zh": "重庆科技大学",
        "name_en": "Chongqing University of Science and Technology",
        "short_name_zh": "重庆科大",
        "short_name_en": "CQUST",
        "kind": "university",
        "district": "沙坪坝区",
        "website": "https://www.cqust.edu.cn/",
        "contact_email": "",
        "project_output": 1,
        "description_zh": (
            "重庆科技大学是一所以工科为主的多科性大学，在石油天然气、冶金、材料和安全工程等"
            "领域具有鲜明的行业特色。在本项目中，学校围绕智能制造、能源低碳转型和安全工程开"
            "设创新创业辅修、微专业和证书课程，并引入行业企业的真实问题开展项目式教学。"
        ),
        "description_en": (
            "Chongqing University of Science and Technology is an engineering-led university "
            "with strong ties to the oil and gas, metallurgy, materials and safety "
            "engineering sectors. In this project it offers a minor, a micro-credential and "
            "a certificate in smart manufacturing, low-carbon energy and safety engineering, "
            "using real problems from partner companies for project-based learning."
        ),
        "programs": [
            {
                "code": "CQUST-SM-MINOR",
                "kind": "minor",
                "name_zh": "智能制造创新创业辅修",
                "name_en": "Minor in Smart Manufacturing Innovation and Entrepreneurship",
                "description_zh": (
                    "面向工科专业本科生，培养运用智能制造技术"
                    "发现问题、提出方案并推动成果转化的能力。"
                ),
                "description_en": (
                    "For engineering undergraduates, this minor builds the "
                    "ability to use smart manufacturing technologies to find "
                    "problems, design solutions and bring results to market."
                ),
            },
            {
                "code": "CQUST-ENERGY-MC",
                "kind": "micro_credential",
                "name_zh": "能源低碳技术创新微专业",
                "name_en": "Micro-credential in Low-carbon Energy Innovation",
                "description_zh": (
                    "结合学校在油气能源领域的优势，聚焦能源行业低碳转型中的技术创新与创业机会。"
                ),
                "description_en": (
                    "Building on the university's strength in oil and gas, "
                    "this micro-credential focuses on technology innovation "
                    "and business opportunities in the energy transition."
                ),
            },
            {
                "code": "CQUST-SAFE-CERT",
                "kind": "certificate",
                "name_zh": "安全工程创新实践证书",
                "name_en": "Certificate in Safety Engineering Innovation",
                "description_zh": "通过课程学习和项目实践，培养运用新技术改进工业安全管理的能力。",
                "description_en": (
                    "Through coursework and a practical project, students learn to "
                    "improve industrial safety management with new technologies."
                ),
            },
        ],
        "courses": [
            {
                "code": "IE110",
                "title_zh": "TRIZ创新方法",
                "title_en": "TRIZ Methods for Innovation",
                "summary_zh": "学习TRIZ理论的核心工具，用系统化方法解决工程技术难题。",
                "summary_en": (
                    "Introduces the core tools of TRIZ, the theory of inventive "
                    "problem solving, for tackling engineering problems systematically."
                ),
                "description_zh": (
                    "学生学习技术矛盾、物理矛盾、发明原理和物-场分析等工具，"
                    "并用于分析油气、冶金等行业的典型工程问题。学完后，学生能"
                    "够运用TRIZ提出多个创新方案，并为专利申请做好技术准备。"
                ),
                "description_en": (
                    "Students learn technical and physical contradictions, the "
                    "inventive principles and substance-field analysis, and apply them "
                    "to typical engineering problems in oil and gas and metallurgy. "
                    "Afterwards they can use TRIZ to generate alternative solutions "
                    "and prepare the technical groundwork for a patent application."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "introductory",
                "topics": ["innovation-methods", "design-thinking"],
                "programs": ["CQUST-SM-MINOR", "CQUST-ENERGY-MC"],
                "prerequisites": [],
            },
            {
                "code": "IE120",
                "title_zh": "知识产权与专利实务",
                "title_en": "Intellectual Property and Patent Practice",
                "summary_zh": "介绍知识产权基本制度，重点讲授专利检索、撰写与申请流程。",
                "summary_en": (
                    "Covers the basics of intellectual property law, with "
                    "a focus on patent searching, drafting and filing."
                ),
                "description_zh": (
                    "学生学习专利、商标、著作权和商业秘密的基本规则，并动手"
                    "完成专利检索和一份专利申请文件初稿。学完后，学生能够判"
                    "断研究成果的可专利性，并制定简单的知识产权保护策略。"
                ),
                "description_en": (
                    "Students learn the basic rules of patents, trademarks, copyright "
                    "and trade secrets, then run a patent search and draft a patent "
                    "application. Afterwards they can judge whether a research result "
                    "is patentable and outline a simple IP protection strategy."
                ),
                "credits": "1.0",
                "class_hours": 16,
                "language": "zh",
                "level": "introductory",
                "topics": ["intellectual-property"],
                "programs": ["CQUST-SM-MINOR", "CQUST-SAFE-CERT"],
                "prerequisites": [],
            },
            {
                "code": "SM210",
                "title_zh": "智能制造系统导论",
                "title_en": "Introduction to Smart Manufacturing Systems",
                "summary_zh": "概述智能制造的技术体系，包括自动化产线、工业软件和智能装备。",
                "summary_en": (
                    "An overview of smart manufacturing technologies, from automated "
                    "production lines to industrial software and intelligent equipment."
                ),
                "description_zh": (
                    "课程通过企业参观和实训室演示，介绍数控加工、工业机器人、"
                    "制造执行系统和工业传感器等关键技术。学完后，学生能够描述"
                    "一条智能产线的组成，并识别传统制造企业的智能化改造需求。"
                ),
                "description_en": (
                    "Through company visits and lab demonstrations, the course introduces CNC "
                    "machining, industrial robots, manufacturing execution systems and "
                    "industrial sensors. Afterwards students can describe how a smart production "
                    "line is built and identify where a traditional factory could be upgraded."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "introductory",
                "topics": ["smart-manufacturing", "digital-skills"],
                "programs": ["CQUST-SM-MINOR"],
                "prerequisites": [],
            },
            {
                "code": "SM310",
                "title_zh": "工业互联网与数字孪生应用",
                "title_en": "Industrial Internet and Digital Twin Applications",
                "summary_zh": "学习工业互联网平台与数字孪生技术，并将其用于生产过程的监测与优化。",
                "summary_en": (
                    "Applies industrial internet platforms and digital twins to "
                    "monitoring and optimising production, taught in Chinese and English."
                ),
                "description_zh": (
                    "学生采集设备运行数据，在工业互联网平台上搭建一个简化的产线"
                    "数字孪生模型，并开展故障预警和工艺优化分析。学完后，学生能"
                    "够为中小制造企业设计数字化改造方案，并评估其投入与收益。"
                ),
                "description_en": (
                    "Students collect equipment data, build a simplified digital twin of a "
                    "production line on an industrial internet platform, and use it for fault "
                    "warning and process optimisation. Afterwards they can design a digital "
                    "upgrade plan for a small manufacturer and weigh its costs and benefits."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "bilingual",
                "level": "advanced",
                "topics": ["smart-manufacturing", "data-analytics"],
                "programs": ["CQUST-SM-MINOR"],
                "prerequisites": ["SM210"],
            },
            {
                "code": "EN220",
                "title_zh": "油气行业低碳转型与技术创新",
                "title_en": (
                    "Low-carbon Transition and Technology Innovation in the Oil and Gas Industry"
                ),
                "summary_zh": "分析油气行业低碳转型的路径，探讨节能减排与新能源领域的创新机会。",
                "summary_en": (
                    "Examines how the oil and gas industry is moving towards low-carbon operations "
                    "and where this opens opportunities in energy saving and new energy."
                ),
                "description_zh": (
                    "课程涵盖页岩气开发、碳捕集利用与封存、氢能和能源数字化"
                    "等主题，学生分组完成一份技术创新机会分析报告。学完后，"
                    "学生能够从技术、政策和市场三个维度评估低碳能源项目。"
                ),
                "description_en": (
                    "Topics include shale gas development, carbon capture, utilisation and "
                    "storage, hydrogen and the digitalisation of energy, and teams write a "
                    "report on one innovation opportunity. Afterwards students can assess a "
                    "low-carbon energy project from technical, policy and market perspectives."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "intermediate",
                "topics": ["green-energy", "innovation-methods"],
                "programs": ["CQUST-ENERGY-MC"],
                "prerequisites": [],
            },
            {
                "code": "SE230",
                "title_zh": "工业安全智能监测技术",
                "title_en": "Intelligent Monitoring for Industrial Safety",
                "summary_zh": "介绍传感、视频识别和数据分析技术在工业安全监测预警中的应用。",
                "summary_en": (
                    "Shows how sensors, video recognition and data analysis are "
                    "used for monitoring and early warning in industrial safety."
                ),
                "description_zh": (
                    "学生学习可燃气体检测、人员定位、视频智能识别和安全风险预警平台等技术，并在实验"
                    "室搭建一个简易监测系统。学完后，学生能够为企业的重点风险场景提出智能监测方案。"
                ),
                "description_en": (
                    "Students study gas detection, personnel positioning, intelligent video "
                    "analysis and risk early-warning platforms, and build a simple "
                    "monitoring system in the lab. Afterwards they can propose an "
                    "intelligent monitoring solution for a company's highest-risk operations."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "intermediate",
                "topics": ["industrial-safety", "digital-skills"],
                "programs": ["CQUST-SAFE-CERT"],
                "prerequisites": [],
            },
            {
                "code": "MT240",
                "title_zh": "新材料科技成果转化",
                "title_en": "Commercialising New Materials Research",
                "summary_zh": (
                    "以新材料领域的科研成果为对象，学习技术评估、知识产权布局和转化路径。"
                ),
                "summary_en": (
                    "Takes research results in new materials and works through "
                    "technology assessment, IP strategy and routes to market."
                ),
                "description_zh": (
                    "学生选取校内冶金与材料学科的一项科研成果，完成技术成熟度"
                    "评估、目标市场分析和转化方式比较。学完后，学生能够为科研"
                    "成果编写一份成果转化方案，并与企业或投资方进行有效沟通。"
                ),
                "description_en": (
                    "Students take a research result from the university's metallurgy "
                    "and materials laboratories, assess its technology readiness, "
                    "analyse target markets and compare licensing, spin-off and joint "
                    "development. Afterwards they can write a commercialisation plan "
                    "and discuss it with companies or investors."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "advanced",
                "topics": ["entrepreneurship", "intellectual-property"],
                "programs": ["CQUST-SM-MINOR"],
                "prerequisites": [],
            },
        ],
    },
    {
        "code": "CQUE",
        "name_zh": "重庆第二师范学院",
        "name_en": "Chongqing University of Education",
        "short_name_zh": "重庆二师",
        "short_name_en": "CQUE",
        "kind": "university",
        "district": "南岸区",
        "website": "https://www.cque.edu.cn/",
        "contact_email": "",
        "project_output": 1,
        "description_zh": (
            "重庆第二师范学院以教师教育为特色，重点培养学前教育、小学教育和教育技术等"
            "领域的师资。在本项目中，学校开设教育创新与创客教育方向的辅修、证书和微专"
            "业，帮助师范生掌握创新教学方法，并能在中小学和幼儿园开展创新创业教育。"
        ),
        "description_en": (
            "Chongqing University of Education specialises in teacher education, preparing "
            "teachers for early childhood, primary schooling and educational technology. In this "
            "project it offers a minor, a certificate and a micro-credential in educational "
            "innovation and maker education, so that future teachers can use innovative teaching "
            "methods and bring innovation education into schools and kindergartens."
        ),
        "programs": [
            {
                "code": "CQUE-EDU-MINOR",
                "kind": "minor",
                "name_zh": "教育创新与创业辅修",
                "name_en": "Minor in Educational Innovation and Entrepreneurship",
                "description_zh": (
                    "面向师范类专业学生，培养教育产品设计、教育服务创业和创新教学的综合能力。"
                ),
                "description_en": (
                    "For student teachers, this minor develops skills in designing educational "
                    "products, starting education services and teaching innovatively."
                ),
            },
            {
                "code": "CQUE-MAKER-CERT",
                "kind": "certificate",
                "name_zh": "创客教育指导教师证书",
                "name_en": "Certificate in Maker Education Instruction",
                "description_zh": "培养能够在中小学组织创客活动和STEAM课程的指导教师。",
                "description_en": (
                    "Prepares teachers to run maker activities and "
                    "STEAM courses in primary and secondary schools."
                ),
            },
            {
                "code": "CQUE-EDTECH-MC",
                "kind": "micro_credential",
                "name_zh": "教育技术与数字化教学微专业",
                "name_en": "Micro-credential in Educational Technology and Digital Teaching",
                "description_zh": (
                    "帮助学生熟练运用数字化工具设计和实施教学，适应智慧课堂的教学要求。"
                ),
                "description_en": (
                    "Helps students use digital tools confidently to design "
                    "and deliver lessons in technology-rich classrooms."
                ),
            },
        ],
        "courses": [
            {
                "code": "IE101",
                "title_zh": "创新创业教育导论",
                "title_en": "Introduction to Innovation and Entrepreneurship Education",
                "summary_zh": "介绍创新创业教育的理念与实践，兼顾个人创业能力和未来的教学应用。",
                "summary_en": (
                    "Introduces the ideas and practice of innovation and entrepreneurship "
                    "education, both for students' own ventures and for their future teaching."
                ),
                "description_zh": (
                    "学生学习创新创业的基本概念，分析国内外中小学创新教育案"
                    "例，并尝试设计一个面向学生的创新活动。学完后，学生能够理"
                    "解创新创业教育的目标和方法，并识别教育领域的创业机会。"
                ),
                "description_en": (
                    "Students learn the basic concepts of innovation and entrepreneurship, analyse "
                    "examples of innovation education in schools in China and abroad, and design a "
                    "short innovation activity for pupils. Afterwards they understand the aims and "
                    "methods of this field and can spot business opportunities in education."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "introductory",
                "topics": ["entrepreneurship", "teacher-education"],
                "programs": ["CQUE-EDU-MINOR", "CQUE-MAKER-CERT"],
                "prerequisites": [],
            },
            {
                "code": "ED201",
                "title_zh": "教育创新与创客教育",
                "title_en": "Educational Innovation and Maker Education",
                "summary_zh": "学习创客教育的理念、空间建设和课程组织方法，在实践中体验“做中学”。",
                "summary_en": (
                    "Covers the ideas behind maker education, how maker spaces are set up "
                    "and how maker courses are organised, with plenty of learning by doing."
                ),
                "description_zh": (
                    "学生使用开源硬件、3D打印和激光切割等工具完成创客作品，"
                    "并为小学高年级设计一个创客教学单元。学完后，学生能够在"
                    "学校组织创客社团活动，并指导学生参加科技创新比赛。"
                ),
                "description_en": (
                    "Students build their own maker projects with open-source "
                    "hardware, 3D printing and laser cutting, then design a maker unit "
                    "for upper primary pupils. Afterwards they can run a school maker "
                    "club and coach pupils for science and technology competitions."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "intermediate",
                "topics": ["teacher-education", "design-thinking"],
                "programs": ["CQUE-MAKER-CERT", "CQUE-EDU-MINOR"],
                "prerequisites": ["IE101"],
            },
            {
                "code": "ED210",
                "title_zh": "STEAM课程设计",
                "title_en": "STEAM Curriculum Design",
                "summary_zh": "学习跨学科STEAM课程的设计方法，完成一个完整的项目式学习单元。",
                "summary_en": (
                    "Teaches how to design interdisciplinary STEAM courses and ends with a "
                    "complete project-based learning unit, taught in Chinese and English."
                ),
                "description_zh": (
                    "课程介绍STEAM教育的国际经验和国内实践，学生以真实问题为驱动设计教学目标、学"
                    "习任务和评价量规。学完后，学生能够独立开发并实施一个适合中小学的STEAM项目。"
                ),
                "description_en": (
                    "The course draws on international and Chinese experience of STEAM "
                    "education, and students design learning goals, tasks and assessment "
                    "rubrics around a real-world problem. Afterwards they can develop and "
                    "teach a STEAM project for primary or secondary pupils on their own."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "bilingual",
                "level": "intermediate",
                "topics": ["teacher-education", "design-thinking"],
                "programs": ["CQUE-MAKER-CERT"],
                "prerequisites": [],
            },
            {
                "code": "ED220",
                "title_zh": "幼儿园游戏活动创新设计",
                "title_en": "Designing Innovative Play Activities for Kindergartens",
                "summary_zh": "以儿童发展为依据，学习设计富有创意的幼儿园游戏活动和玩教具。",
                "summary_en": (
                    "Shows how to design creative play activities and learning "
                    "toys for kindergartens, grounded in child development."
                ),
                "description_zh": (
                    "学生观察幼儿游戏行为，运用低结构材料设计游戏活动和自制玩教"
                    "具，并在合作幼儿园试教和改进。学完后，学生能够根据幼儿的兴趣"
                    "和发展需要设计游戏活动，也能评估玩教具的教育价值和市场潜力。"
                ),
                "description_en": (
                    "Students observe children at play, design activities and "
                    "home-made learning toys with loose parts, and try them out in "
                    "partner kindergartens. Afterwards they can design play activities "
                    "that match children's interests and development, and judge the "
                    "educational value and market potential of a learning toy."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "intermediate",
                "topics": ["teacher-education", "design-thinking"],
                "programs": ["CQUE-EDU-MINOR"],
                "prerequisites": [],
            },
            {
                "code": "ET230",
                "title_zh": "教育技术与智慧课堂",
                "title_en": "Educational Technology and Smart Classrooms",
                "summary_zh": "学习常用数字化教学工具和平台，掌握智慧课堂的教学设计与组织方法。",
                "summary_en": (
                    "Introduces common digital teaching tools and platforms, "
                    "and how to plan and run lessons in a smart classroom."
                ),
                "description_zh": (
                    "学生练习使用交互式白板、在线学习平台、微课制作和课堂数据"
                    "分析工具，并完成一节数字化教学设计。学完后，学生能够根据"
                    "教学目标选用合适的技术工具，并利用学习数据改进教学。"
                ),
                "description_en": (
                    "Students practise with interactive whiteboards, online learning "
                    "platforms, micro-lecture production and classroom analytics, and plan a "
                    "complete digital lesson. Afterwards they can choose technology that fits "
                    "their teaching goals and use learning data to improve their teaching."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "introductory",
                "topics": ["digital-skills", "teacher-education"],
                "programs": ["CQUE-EDTECH-MC"],
                "prerequisites": [],
            },
            {
                "code": "ET240",
                "title_zh": "教师设计思维工作坊",
                "title_en": "Design Thinking Workshop for Educators",
                "summary_zh": "以工作坊形式学习设计思维，用于解决课堂教学和学校管理中的实际问题。",
                "summary_en": (
                    "A workshop, taught in English, that applies design thinking "
                    "to real problems in classroom teaching and school life."
                ),
                "description_zh": (
                    "学生以小组形式访谈教师、学生和家长，定义教学中的真实问题，并通过快速原"
                    "型提出改进方案。学完后，学生能够在教研活动中运用设计思维组织团队共创。"
                ),
                "description_en": (
                    "In small teams, students interview teachers, pupils and parents, "
                    "define a real problem in teaching or school life, and develop "
                    "improvements through rapid prototyping. Afterwards they can lead "
                    "co-design sessions with colleagues using design thinking."
                ),
                "credits": "1.0",
                "class_hours": 16,
                "language": "en",
                "level": "introductory",
                "topics": ["design-thinking", "teacher-education"],
                "programs": ["CQUE-EDU-MINOR", "CQUE-EDTECH-MC"],
                "prerequisites": [],
            },
        ],
    },
    {
        "code": "CQVIE",
        "name_zh": "重庆工程职业技术学院",
        "name_en": "Chongqing Vocational Institute of Engineering",
        "short_name_zh": "重庆工程职院",
        "short_name_en": "CQVIE",
        "kind": "vocational_college",
        "district": "江津区",
        "website": "https://www.cqvie.edu.cn/",
        "contact_email": "",
        "project_output": 1,
        "description_zh": (
            "重庆工程职业技术学院是一所工科类高职院校，在矿业与地质测绘、建筑工程、机电"
            "一体化和工业机器人等领域开展技术技能人才培养。在本项目中，学校将创新创业教"
            "育融入专业实训，开设工业机器人、智能建造和技能创业方向的证书与微专业课程。"
        ),
        "description_en": (
            "Chongqing Vocational Institute of Engineering is a higher vocational college that "
            "trains technicians in mining and geological surveying, construction, mechatronics "
            "and industrial robotics. In this project it builds innovation and entrepreneurship "
            "into hands-on technical training, with a certificate and micro-credentials in "
            "industrial robotics, intelligent construction and skills-based entrepreneurship."
        ),
        "programs": [
            {
                "code": "CQVIE-ROBOT-CERT",
                "kind": "certificate",
                "name_zh": "工业机器人应用创新证书",
                "name_en": "Certificate in Industrial Robot Applications and Innovation",
                "description_zh": (
                    "面向机电类专业学生，培养工业机器人编程调试和自动化工作站创新设计能力。"
                ),
                "description_en": (
                    "For mechatronics students, this certificate builds skills in programming "
                    "and commissioning industrial robots and designing automated workstations."
                ),
            },
            {
                "code": "CQVIE-IE-MC",
                "kind": "micro_credential",
                "name_zh": "工程技术创新创业微专业",
                "name_en": "Micro-credential in Engineering Innovation and Entrepreneurship",
                "description_zh": (
                    "面向全院学生，帮助学生将专业技能转化为技术改进、技能服务和小微创业项目。"
                ),
                "description_en": (
                    "Open to all students, it helps them turn technical skills into "
                    "process improvements, skilled services and small business ventures."
                ),
            },
            {
                "code": "CQVIE-BUILD-MC",
                "kind": "micro_credential",
                "name_zh": "智能建造与测绘创新微专业",
                "name_en": "Micro-credential in Intelligent Construction and Surveying Innovation",
                "description_zh": (
                    "结合建筑工程和测绘专业优势，聚焦BIM、无人机测绘等新技术的创新应用。"
                ),
                "description_en": (
                    "Building on the college's construction and surveying programs, "
                    "it focuses on new tools such as BIM and drone surveying."
                ),
            },
        ],
        "courses": [
            {
                "code": "IE101",
                "title_zh": "创新创业实务",
                "title_en": "Practical Innovation and Entrepreneurship",
                "summary_zh": "结合职业院校学生特点，讲授从创意到项目落地的创新创业实务。",
                "summary_en": (
                    "A practical course, designed for vocational students, "
                    "on taking an idea all the way to a working project."
                ),
                "description_zh": (
                    "学生围绕专业技能寻找创新创业项目，学习市场调研、成本核"
                    "算和项目展示，并完成一份项目计划。学完后，学生能够参加"
                    "职业院校创新创业大赛，或在实习企业中提出技术改进建议。"
                ),
                "description_en": (
                    "Students look for project ideas that build on their technical skills, "
                    "learn market research, costing and presentation, and write a project plan. "
                    "Afterwards they can enter vocational innovation and entrepreneurship "
                    "competitions or suggest technical improvements during their internships."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "introductory",
                "topics": ["entrepreneurship", "innovation-methods"],
                "programs": ["CQVIE-IE-MC"],
                "prerequisites": [],
            },
            {
                "code": "IE110",
                "title_zh": "技能型创业与小微企业经营",
                "title_en": "Skills-based Entrepreneurship and Small Business Management",
                "summary_zh": "面向有意自主创业的学生，讲授技能型小微企业的创办与日常经营。",
                "summary_en": (
                    "For students who want to work for themselves, this course covers "
                    "starting and running a small business built on technical skills."
                ),
                "description_zh": (
                    "课程介绍个体工商户和小微企业的注册流程、财务记账、税收优惠"
                    "和客户服务，结合维修、安装等技能服务的真实案例。学完后，学"
                    "生能够为一项技能服务业务制定经营计划并估算启动资金。"
                ),
                "description_en": (
                    "The course covers registering a sole proprietorship or small company, "
                    "bookkeeping, tax incentives and customer service, using real cases from "
                    "repair and installation businesses. Afterwards students can write an "
                    "operating plan for a skilled-service business and estimate its start-up costs."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "intermediate",
                "topics": ["entrepreneurship", "business-finance"],
                "programs": ["CQVIE-IE-MC"],
                "prerequisites": [],
            },
            {
                "code": "RB201",
                "title_zh": "工业机器人编程与应用",
                "title_en": "Industrial Robot Programming and Applications",
                "summary_zh": "学习工业机器人的示教编程、离线编程与典型应用。",
                "summary_en": (
                    "Teaches teach-pendant and offline programming of "
                    "industrial robots and their typical uses in production."
                ),
                "description_zh": (
                    "学生在实训中心完成搬运、码垛、焊接和视觉分拣等典型任务"
                    "的编程与调试。学完后，学生能够独立完成一个工业机器人工"
                    "作站的编程调试，并达到相关职业技能等级证书的要求。"
                ),
                "description_en": (
                    "In the training centre students program and commission robots for "
                    "handling, palletising, welding and vision-guided sorting. "
                    "Afterwards they can set up a robot workstation on their own and "
                    "meet the requirements of the related vocational skills certificate."
                ),
                "credits": "3.0",
                "class_hours": 48,
                "language": "zh",
                "level": "intermediate",
                "topics": ["smart-manufacturing", "digital-skills"],
                "programs": ["CQVIE-ROBOT-CERT"],
                "prerequisites": [],
            },
            {
                "code": "RB210",
                "title_zh": "机电一体化创新设计",
                "title_en": "Innovative Mechatronics Design",
                "summary_zh": "综合运用机械、电气和控制知识，完成一件机电一体化创新作品。",
                "summary_en": (
                    "Brings together mechanical, electrical and control "
                    "skills to build an original mechatronic device."
                ),
                "description_zh": (
                    "学生从生产或生活中的实际需求出发，完成方案设计、零件加工、电气"
                    "接线和程序调试，制作出可运行的样机。学完后，学生能够完成小型自"
                    "动化装置的设计与制作，并整理技术资料用于申请实用新型专利。"
                ),
                "description_en": (
                    "Starting from a real need at work or at home, students design the device, "
                    "machine the parts, wire the electrics and debug the control program until "
                    "the prototype works. Afterwards they can design and build small automated "
                    "devices and prepare the documents for a utility model patent."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "intermediate",
                "topics": ["smart-manufacturing", "design-thinking"],
                "programs": ["CQVIE-ROBOT-CERT", "CQVIE-IE-MC"],
                "prerequisites": [],
            },
            {
                "code": "SV220",
                "title_zh": "无人机测绘与地理信息创新应用",
                "title_en": "Drone Surveying and Innovative GIS Applications",
                "summary_zh": (
                    "学习无人机航测与地理信息系统，在矿山、国土和工程建设中开展创新应用。"
                ),
                "summary_en": (
                    "Covers drone surveying and geographic information systems and "
                    "their new uses in mining, land management and construction."
                ),
                "description_zh": (
                    "学生完成航线规划、影像采集、三维建模和地理信息数据处理的完"
                    "整流程，并以矿山或工地为对象完成测绘项目。学完后，学生能够"
                    "承担基本的无人机测绘任务，并了解相关技术服务的市场需求。"
                ),
                "description_en": (
                    "Students go through the full workflow of flight planning, image "
                    "capture, 3D modelling and GIS data processing, and complete a surveying "
                    "project at a mine or construction site. Afterwards they can carry out "
                    "routine drone surveys and understand the market for surveying services."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "intermediate",
                "topics": ["digital-skills", "data-analytics"],
                "programs": ["CQVIE-BUILD-MC"],
                "prerequisites": [],
            },
            {
                "code": "CN230",
                "title_zh": "BIM技术与智能建造",
                "title_en": "BIM and Intelligent Construction",
                "summary_zh": "学习建筑信息模型（BIM）的建模与协同应用，了解智能建造的发展趋势。",
                "summary_en": (
                    "Introduces building information modelling (BIM) for modelling and "
                    "collaboration, and the trends shaping intelligent construction."
                ),
                "description_zh": (
                    "学生使用BIM软件完成一栋小型建筑的建模、碰撞检查和施工模"
                    "拟，并了解装配式建筑和建筑机器人的应用。学完后，学生能"
                    "够胜任BIM建模员的基本工作，并参与施工企业的数字化项目。"
                ),
                "description_en": (
                    "Students use BIM software to model a small building, check for "
                    "clashes and simulate construction, and learn how prefabrication and "
                    "construction robots are used. Afterwards they can work as junior "
                    "BIM modellers and take part in a contractor's digital projects."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "introductory",
                "topics": ["digital-skills", "smart-manufacturing"],
                "programs": ["CQVIE-BUILD-MC"],
                "prerequisites": [],
            },
        ],
    },
    {
        "code": "CQSXVC",
        "name_zh": "重庆三峡职业学院",
        "name_en": "Chongqing Sanxia Vocational College",
        "short_name_zh": "三峡职院",
        "short_name_en": "Sanxia Vocational College",
        "kind": "vocational_college",
        "district": "万州区",
        "website": "",
        "contact_email": "",
        "project_output": 1,
        "description_zh": (
            "重庆三峡职业学院位于万州，是一所以农林、畜牧和食品等专业为特色的高职院校，"
            "长期服务三峡库区的乡村发展。在本项目中，学校开设现代农业创新创业和农村电商"
            "方向的证书与微专业课程，培养懂技术、会经营的新型职业农民和乡村创业人才。"
        ),
        "description_en": (
            "Chongqing Sanxia Vocational College, in Wanzhou, is a higher vocational "
            "college known for agriculture, animal husbandry and food programs, with a "
            "long record of serving rural communities in the Three Gorges area. In "
            "this project it offers a certificate and a micro-credential in modern "
            "agriculture entrepreneurship and rural e-commerce, training young farmers "
            "and rural entrepreneurs who understand both technology and business."
        ),
        "programs": [
            {
                "code": "CQSXVC-AGRI-CERT",
                "kind": "certificate",
                "name_zh": "现代农业创新创业证书",
                "name_en": "Certificate in Modern Agriculture Innovation and Entrepreneurship",
                "description_zh": (
                    "面向农林牧类专业学生，培养运用新技术发展特色农业和创办农业经营主体的能力。"
                ),
                "description_en": (
                    "For students of agriculture, forestry and animal science, "
                    "this certificate builds the skills to grow specialty farming "
                    "with new technology and start an agricultural business."
                ),
            },
            {
                "code": "CQSXVC-ECOM-MC",
                "kind": "micro_credential",
                "name_zh": "农村电商运营微专业",
                "name_en": "Micro-credential in Rural E-commerce Operations",
                "description_zh": (
                    "聚焦农产品网络销售、直播营销和品牌建设，助力库区特色农产品走出大山。"
                ),
                "description_en": (
                    "Focuses on online sales, live-stream marketing and branding so that "
                    "specialty produce from the reservoir area can reach wider markets."
                ),
            },
        ],
        "courses": [
            {
                "code": "IE101",
                "title_zh": "乡村创新创业基础",
                "title_en": "Foundations of Rural Innovation and Entrepreneurship",
                "summary_zh": "结合乡村振兴政策，介绍农村创新创业的机会、资源和基本方法。",
                "summary_en": (
                    "Introduces the opportunities, resources and basic methods of starting a "
                    "business in rural areas, in the context of rural revitalisation policy."
                ),
                "description_zh": (
                    "学生走访返乡创业者和农民专业合作社，了解扶持政策、土地流转"
                    "和农村金融等内容，并提出一个乡村创业项目构想。学完后，学生"
                    "能够结合家乡资源识别创业机会，并了解可以申请的扶持政策。"
                ),
                "description_en": (
                    "Students visit returning entrepreneurs and farmers' cooperatives, learn "
                    "about support policies, land transfer and rural finance, and put forward "
                    "an idea for a rural venture. Afterwards they can spot opportunities in the "
                    "resources of their home area and know which support schemes to apply for."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "introductory",
                "topics": ["entrepreneurship", "modern-agriculture"],
                "programs": ["CQSXVC-AGRI-CERT", "CQSXVC-ECOM-MC"],
                "prerequisites": [],
            },
            {
                "code": "AG201",
                "title_zh": "现代农业经营与家庭农场管理",
                "title_en": "Agribusiness and Family Farm Management",
                "summary_zh": "学习家庭农场和农民专业合作社的经营管理，提升农业经营效益。",
                "summary_en": (
                    "Covers how family farms and farmers' cooperatives "
                    "are run and how to make them more profitable."
                ),
                "description_zh": (
                    "课程内容包括生产计划、成本核算、农业保险、品牌认证和市"
                    "场对接，学生以柑橘、榨菜等库区特色产业为例完成经营分"
                    "析。学完后，学生能够为一个家庭农场制定年度经营计划。"
                ),
                "description_en": (
                    "The course covers production planning, costing, farm insurance, "
                    "product certification and market access, and students analyse local "
                    "industries such as citrus and preserved mustard tuber. Afterwards "
                    "they can draw up an annual business plan for a family farm."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "intermediate",
                "topics": ["modern-agriculture", "business-finance"],
                "programs": ["CQSXVC-AGRI-CERT"],
                "prerequisites": [],
            },
            {
                "code": "AG210",
                "title_zh": "畜禽养殖技术创新",
                "title_en": "Innovation in Livestock and Poultry Farming",
                "summary_zh": "介绍生态养殖、智能环控和疫病防控等畜禽养殖新技术与新模式。",
                "summary_en": (
                    "Introduces new techniques and models in livestock and poultry farming, "
                    "including ecological systems, smart climate control and disease prevention."
                ),
                "description_zh": (
                    "学生在校内实训基地和合作养殖场学习智能饲喂、环境监测和粪污"
                    "资源化利用，并分析适度规模养殖的经营模式。学完后，学生能够"
                    "评估一项养殖新技术的适用条件，并设计小规模生态养殖方案。"
                ),
                "description_en": (
                    "At the college's training farm and partner farms, students learn "
                    "about automated feeding, environmental monitoring and manure "
                    "recycling, and analyse business models for medium-sized farms. "
                    "Afterwards they can judge when a new farming technique is worth "
                    "adopting and plan a small ecological livestock operation."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "intermediate",
                "topics": ["modern-agriculture", "green-energy"],
                "programs": ["CQSXVC-AGRI-CERT"],
                "prerequisites": [],
            },
            {
                "code": "FD220",
                "title_zh": "特色农产品加工与品牌打造",
                "title_en": "Specialty Agri-product Processing and Branding",
                "summary_zh": "学习特色农产品的初加工、精深加工与品牌建设，提高产品附加值。",
                "summary_en": (
                    "Covers primary and further processing of specialty "
                    "farm products and building a brand to add value."
                ),
                "description_zh": (
                    "学生在食品实训中心完成一款特色农产品的加工试制，并学习包装设计、食品安全标"
                    "准和地理标志产品保护。学完后，学生能够策划一款农产品的加工和品牌推广方案。"
                ),
                "description_en": (
                    "In the food training centre students develop a processed product "
                    "from a local specialty crop and learn about packaging design, "
                    "food safety standards and geographical indications. Afterwards "
                    "they can plan how to process and brand a farm product."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "intermediate",
                "topics": ["modern-agriculture", "business-finance"],
                "programs": ["CQSXVC-AGRI-CERT", "CQSXVC-ECOM-MC"],
                "prerequisites": [],
            },
            {
                "code": "EC230",
                "title_zh": "农村电商运营",
                "title_en": "Rural E-commerce Operations",
                "summary_zh": "学习农产品网店运营和直播带货，打通农产品线上销售渠道。",
                "summary_en": (
                    "Teaches how to run an online shop and "
                    "sell farm products through live streaming."
                ),
                "description_zh": (
                    "学生开设并运营一家农产品网店，完成选品、拍摄、文案、直"
                    "播和售后服务等工作，并分析店铺运营数据。学完后，学生能"
                    "够独立运营农产品网店或直播间，并为合作社提供电商服务。"
                ),
                "description_en": (
                    "Students open and run an online shop for farm produce, "
                    "handling product selection, photography, copywriting, live "
                    "streaming and after-sales service, and review the shop's data. "
                    "Afterwards they can run an online shop or live-stream channel "
                    "on their own and provide e-commerce services to cooperatives."
                ),
                "credits": "2.0",
                "class_hours": 32,
                "language": "zh",
                "level": "intermediate",
                "topics": ["e-commerce", "digital-skills"],
                "programs": ["CQSXVC-ECOM-MC"],
                "prerequisites": ["IE101"],
            },
        ],
    },
    {
        "code": "CSETDA",
        "name_zh": "长寿经济技术开发区",
        "name_en": "Changshou Economic and Technological Development Area",
        "short_name_zh": "长寿经开区",
        "short_name_en": "Changshou ETDA",
        "kind": "development_zone",
        "district": "长寿区",
        "website": "",
        "contact_email": "",
        "project_output": 2,
        "description_zh": (
            "长寿经济技术开发区是国家级经济技术开发区，已形成以化工、新材"
            "料和钢铁为主的产业集群。在本项目中，开发区面向园区企业员工开"
            "展安全生产、技术创新和知识产权等培训，推动企业创新机制建设。"
        ),
        "description_en": (
            "Changshou Economic and Technological Development Area is a national-level development "
            "zone whose industry is built around chemicals, new materials and steel. In this "
            "project it trains employees of park companies in safety, technology innovation and "
            "intellectual property, and helps companies set up their own innovation processes."
        ),
        "programs": [
            {
                "code": "CSETDA-SAFETY-ET",
                "kind": "enterprise_training",
                "name_zh": "化工园区安全生产培训",
                "name_en": "Safety Training for Chemical Park Enterprises",
                "description_zh": (
                    "面向园区企业安全管理人员和一线员工，提升安全生产管理和应急处置能力。"
                ),
                "description_en": (
                    "For safety managers and front-line staff of park companies, this "
                    "training strengthens safety management and emergency response."
                ),
            },
            {
                "code": "CSETDA-INNOV-ET",
                "kind": "enterprise_training",
                "name_zh": "企业技术创新与管理提升培训",
                "name_en": "Training in Enterprise Innovation and Management",
                "description_zh": (
                    "面向园区企业技术和管理骨干，推动企业建立创新管理机制并加强知识产权保护。"
                ),
                "description_en": (
                    "For technical and management staff of park companies, it helps companies "
                    "build innovation management and protect their intellectual property."
                ),
            },
            {
                "code": "CSETDA-MATERIALS-MC",
                "kind": "micro_credential",
                "name_zh": "新材料产业技术微证书",
                "name_en": "Micro-credential in New Materials Industry Technology",
                "description_zh": "帮助园区员工了解新材料和钢铁产业的技术前沿与绿色低碳发展方向。",
                "description_en": (
                    "Keeps park employees up to date with new technology and "
                    "low-carbon development in the new materials and steel industries."
                ),
            },
        ],
        "courses": [
            {
                "code": "ET101",
                "title_zh": "企业创新管理实务",
                "title_en": "Managing Innovation in the Enterprise",
                "summary_zh": "帮助企业骨干掌握创新项目的立项、管理和评价方法。",
                "summary_en": (
                    "Helps key staff learn how to launch, manage and "
                    "evaluate innovation projects inside their company."
                ),
                "description_zh": (
                    "学员学习企业创新体系建设、研发项目管理和创新激励机制，并结合本企业实际"
                    "梳理一项创新课题。培训结束后，学员能够在企业内部组织和推进创新项目。"
                ),
                "description_en": (
                    "Participants learn how companies structure innovation, manage "
                    "R&D projects and reward new ideas, and map out an innovation "
                    "topic from their own workplace. Afterwards they can organise "
                    "and drive innovation projects inside their company."
                ),
                "credits": "0.0",
                "class_hours": 16,
                "language": "zh",
                "level": "introductory",
                "topics": ["innovation-methods", "business-finance"],
                "programs": ["CSETDA-INNOV-ET"],
                "prerequisites": [],
            },
            {
                "code": "ET110",
                "title_zh": "企业知识产权管理",
                "title_en": "Intellectual Property Management for Enterprises",
                "summary_zh": "介绍企业专利布局、商业秘密保护和知识产权风险防范。",
                "summary_en": (
                    "Covers patent strategy, trade secret protection "
                    "and IP risk management for companies."
                ),
                "description_zh": (
                    "学员结合化工和新材料企业的案例，学习专利挖掘、技术秘密管理和知识产权合规要"
                    "求。培训结束后，学员能够协助企业建立知识产权管理制度，并识别常见的侵权风险。"
                ),
                "description_en": (
                    "Using cases from chemical and new materials companies, participants "
                    "learn how to identify patentable inventions, manage technical know-how "
                    "and meet IP compliance requirements. Afterwards they can help set up "
                    "IP management in their company and recognise common infringement risks."
                ),
                "credits": "0.0",
                "class_hours": 12,
                "language": "zh",
                "level": "introductory",
                "topics": ["intellectual-property"],
                "programs": ["CSETDA-INNOV-ET"],
                "prerequisites": [],
            },
            {
                "code": "SF201",
                "title_zh": "化工园区安全生产管理",
                "title_en": "Safety Management in Chemical Industrial Parks",
                "summary_zh": "系统讲授化工园区安全生产法规、双重预防机制和企业安全管理要点。",
                "summary_en": (
                    "A systematic course on safety regulations, dual prevention of risks and "
                    "hidden hazards, and the essentials of safety management in chemical parks."
                ),
                "description_zh": (
                    "学员学习安全生产法律法规、风险分级管控与隐患排查治理，并在企业现场开展"
                    "隐患排查演练。培训结束后，学员能够建立和运行本岗位的安全风险管控措施。"
                ),
                "description_en": (
                    "Participants study safety law and regulations, graded risk control and hazard "
                    "inspection, and practise hazard inspections on site at a park company. "
                    "Afterwards they can set up and maintain risk controls for their own work area."
                ),
                "credits": "1.0",
                "class_hours": 24,
                "language": "zh",
                "level": "intermediate",
                "topics": ["industrial-safety"],
                "programs": ["CSETDA-SAFETY-ET"],
                "prerequisites": [],
            },
            {
                "code": "SF210",
                "title_zh": "危险化学品风险辨识与应急处置",
                "title_en": "Hazardous Chemicals: Risk Identification and Emergency Response",
                "summary_zh": "聚焦危险化学品的风险辨识、事故预防和应急处置。",
                "summary_en": (
                    "Focuses on identifying the risks of hazardous chemicals, "
                    "preventing accidents and responding to emergencies."
                ),
                "description_zh": (
                    "学员学习危险化学品的理化特性、重大危险源管理和应急预案编"
                    "制，并参加泄漏、火灾等场景的应急演练。培训结束后，学员能够"
                    "识别岗位上的主要危险化学品风险，并按预案开展初期应急处置。"
                ),
                "description_en": (
                    "Participants study the properties of hazardous chemicals, the management of "
                    "major hazard installations and emergency planning, and take part in drills "
                    "for leaks and fires. Afterwards they can identify the main chemical hazards "
                    "in their workplace and carry out the first stage of an emergency response."
                ),
                "credits": "1.0",
                "class_hours": 24,
                "language": "zh",
                "level": "advanced",
                "topics": ["industrial-safety"],
                "programs": ["CSETDA-SAFETY-ET"],
                "prerequisites": ["SF201"],
            },
            {
                "code": "MT220",
                "title_zh": "钢铁与新材料产业绿色低碳发展",
                "title_en": "Green and Low-carbon Development in Steel and New Materials",
                "summary_zh": "介绍钢铁和新材料产业的技术趋势与绿色低碳转型路径。",
                "summary_en": (
                    "Introduces technology trends and low-carbon "
                    "pathways in the steel and new materials industries."
                ),
                "description_zh": (
                    "学员了解高性能材料、节能降碳技术和循环经济模式，并分析园区企业的绿色转"
                    "型案例。培训结束后，学员能够在本企业提出节能降碳或产品升级的改进建议。"
                ),
                "description_en": (
                    "Participants learn about high-performance materials, energy-saving and "
                    "carbon-reduction technology and circular economy models, and analyse "
                    "how park companies are going green. Afterwards they can propose "
                    "energy-saving or product upgrade improvements in their own company."
                ),
                "credits": "1.0",
                "class_hours": 16,
                "language": "zh",
                "level": "intermediate",
                "topics": ["green-energy", "smart-manufacturing"],
                "programs": ["CSETDA-MATERIALS-MC"],
                "prerequisites": [],
            },
        ],
    },
    {
        "code": "DJIP",
        "name_zh": "垫江工业园区（垫江县朝阳实业有限公司）",
        "name_en": "Dianjiang Industrial Park (Dianjiang Chaoyang Industrial Co.)",
        "short_name_zh": "垫江工业园区",
        "short_name_en": "Dianjiang Industrial Park",
        "kind": "development_zone",
        "district": "垫江县",
        "website": "",
        "contact_email": "",
        "project_output": 2,
        "description_zh": (
            "垫江工业园区由垫江县朝阳实业有限公司负责建设和运营，园区聚集了一"
            "批装备制造、食品和农产品加工等领域的中小企业。在本项目中，园区面"
            "向入园企业开展经营管理和数字化转型培训，并为创业者提供孵化辅导。"
        ),
        "description_en": (
            "Dianjiang Industrial Park is developed and run by Dianjiang Chaoyang Industrial Co. "
            "and is home to small and medium-sized firms in manufacturing and in food and "
            "agri-product processing. In this project the park trains its companies in management "
            "and digital transformation and offers incubation support to entrepreneurs."
        ),
        "programs": [
            {
                "code": "DJIP-SME-ET",
                "kind": "enterprise_training",
                "name_zh": "中小企业经营管理提升培训",
                "name_en": "Management Training for Manufacturing SMEs",
                "description_zh": (
                    "面向园区中小企业管理者和技术骨干，提升生产管理、质量管理和数字化水平。"
                ),
                "description_en": (
                    "For managers and technical staff of small and "
                    "medium-sized park companies, this training improves "
                    "production and quality management and digital capability."
                ),
            },
            {
                "code": "DJIP-STARTUP-MC",
                "kind": "micro_credential",
                "name_zh": "创业孵化微证书",
                "name_en": "Micro-credential in Startup Incubation",
                "description_zh": (
                    "面向入驻孵化器的创业者，提供从项目构想到商业计划与路演的系统辅导。"
                ),
                "description_en": (
                    "For entrepreneurs in the park's incubator, it offers structured "
                    "support from the first idea to a business plan and pitch."
                ),
            },
        ],
        "courses": [
            {
                "code": "SU101",
                "title_zh": "创业启航：从想法到项目",
                "title_en": "Startup Launchpad: From Idea to Venture",
                "summary_zh": "帮助创业者梳理创业想法，完成从创意到可行项目的第一步。",
                "summary_en": (
                    "Helps new entrepreneurs shape their ideas and "
                    "take the first step from idea to viable project."
                ),
                "description_zh": (
                    "学员运用商业模式画布和用户访谈检验自己的创业想法，并了解企业注册和园区创业"
                    "扶持政策。培训结束后，学员能够判断项目是否可行，并明确下一步的行动计划。"
                ),
                "description_en": (
                    "Participants test their ideas with the business model canvas and "
                    "customer interviews, and learn how to register a company and which "
                    "park support schemes are available. Afterwards they can judge "
                    "whether their project is viable and set out their next steps."
                ),
                "credits": "0.0",
                "class_hours": 16,
                "language": "zh",
                "level": "introductory",
                "topics": ["entrepreneurship", "design-thinking"],
                "programs": ["DJIP-STARTUP-MC"],
                "prerequisites": [],
            },
            {
                "code": "SU110",
                "title_zh": "商业计划书写作与路演",
                "title_en": "Writing a Business Plan and Pitching",
                "summary_zh": "指导创业者撰写商业计划书，并进行融资路演训练。",
                "summary_en": (
                    "Guides entrepreneurs through writing a "
                    "business plan and practising an investor pitch."
                ),
                "description_zh": (
                    "学员学习市场分析、商业模式、财务预测和融资需求等内容的"
                    "写法，完成一份商业计划书并进行模拟路演。培训结束后，学"
                    "员能够向投资方、银行或政府部门清晰地介绍自己的项目。"
                ),
                "description_en": (
                    "Participants learn how to present market analysis, the business "
                    "model, financial forecasts and funding needs, write a full "
                    "business plan and give a mock pitch. Afterwards they can present "
                    "their project clearly to investors, banks or government agencies."
                ),
                "credits": "0.5",
                "class_hours": 12,
                "language": "zh",
                "level": "intermediate",
                "topics": ["entrepreneurship", "business-finance"],
                "programs": ["DJIP-STARTUP-MC"],
                "prerequisites": ["SU101"],
            },
            {
                "code": "SM201",
                "title_zh": "中小企业数字化转型",
                "title_en": "Digital Transformation for SMEs",
                "summary_zh": "介绍中小制造企业数字化转型的路径、工具和常见误区。",
                "summary_en": (
                    "Introduces the routes, tools and common pitfalls of digital "
                    "transformation for small and medium-sized manufacturers."
                ),
                "description_zh": (
                    "学员了解企业资源计划、制造执行系统和工业互联网平台等工具，并对本企业的数字化水"
                    "平进行自评。培训结束后，学员能够为本企业制定分步骤、低成本的数字化改进计划。"
                ),
                "description_en": (
                    "Participants look at enterprise resource planning, manufacturing "
                    "execution systems and industrial internet platforms, and assess "
                    "how digital their own company is. Afterwards they can draw up a "
                    "step-by-step, low-cost plan for their company's digital upgrade."
                ),
                "credits": "0.0",
                "class_hours": 16,
                "language": "zh",
                "level": "introductory",
                "topics": ["digital-skills", "smart-manufacturing"],
                "programs": ["DJIP-SME-ET"],
                "prerequisites": [],
            },
            {
                "code": "SM210",
                "title_zh": "精益生产与现场管理",
                "title_en": "Lean Production and Shop-floor Management",
                "summary_zh": "学习精益生产和5S现场管理方法，减少浪费、提高效率。",
                "summary_en": (
                    "Teaches lean production and 5S workplace "
                    "organisation to cut waste and raise efficiency."
                ),
                "description_zh": (
                    "学员学习价值流分析、5S管理、标准化作业和持续改善等方法，并在园区企业车间"
                    "开展现场改善练习。培训结束后，学员能够在本企业组织实施一项现场改善活动。"
                ),
                "description_en": (
                    "Participants learn value stream mapping, 5S, standard work and continuous "
                    "improvement, and practise them on the shop floor of a park company. "
                    "Afterwards they can lead an improvement activity in their own workplace."
                ),
                "credits": "0.0",
                "class_hours": 16,
                "language": "zh",
                "level": "intermediate",
                "topics": ["smart-manufacturing", "innovation-methods"],
                "programs": ["DJIP-SME-ET"],
                "prerequisites": [],
            },
            {
                "code": "FD220",
                "title_zh": "食品加工企业质量安全管理",
                "title_en": "Quality and Safety Management in Food Processing",
                "summary_zh": "面向食品和农产品加工企业，讲授质量安全管理体系与合规要求。",
                "summary_en": (
                    "Covers quality and food safety management systems "
                    "and compliance for food and agri-product processors."
                ),
                "description_zh": (
                    "学员学习食品生产许可、HACCP体系、追溯管理和标签规范，并对照标准检查本企业的生"
                    "产流程。培训结束后，学员能够发现企业质量安全管理中的薄弱环节并提出整改措施。"
                ),
                "description_en": (
                    "Participants learn about food production licensing, HACCP, "
                    "traceability and labelling rules, and check their own company's "
                    "processes against the standards. Afterwards they can find weak points "
                    "in quality and safety management and propose corrective actions."
                ),
                "credits": "0.0",
                "class_hours": 16,
                "language": "zh",
                "level": "intermediate",
                "topics": ["modern-agriculture", "industrial-safety"],
                "programs": ["DJIP-SME-ET"],
                "prerequisites": [],
            },
        ],
    },
]
